/*
 * test-hostkey.c: the names sync/hostkey.c derives from a URL or an
 * argument: which host and port an ssh URL reaches (both URL forms, the
 * user and IPv6 brackets), what `remote trust-host` accepts, and the
 * name known_hosts uses ([host]:port off port 22).
 */
#include <stdlib.h>
#include <string.h>

#include "schema/base.h"
#include "sync/hostkey.h"
#include "tests/unit/tap.h"

/* "host port" of an ssh URL, or "invalid". Caller frees. */
static char *url(const char *u)
{
	char *host = NULL, *s;
	int port = 0;
	if (fl_hostkey_url(&host, &port, u) < 0)
		return xstrdup("invalid");
	s = xstrfmt("%s %d", host, port);
	free(host);
	return s;
}

static char *arg(const char *a)
{
	char *host = NULL, *s;
	int port = 0;
	if (fl_hostkey_parse(&host, &port, a) < 0)
		return xstrdup("invalid");
	s = xstrfmt("%s %d", host, port);
	free(host);
	return s;
}

#define URL(u, want, what) do { char *g_ = url(u); IS(g_, want, what); free(g_); } while (0)
#define ARG(a, want, what) do { char *g_ = arg(a); IS(g_, want, what); free(g_); } while (0)

int main(void)
{
	char *n;

	URL("ssh://git@server.gov.vn/srv/git/f.git", "server.gov.vn 22", "ssh://, no port: 22");
	URL("ssh://git@127.0.0.1:2222/srv/f.git", "127.0.0.1 2222", "ssh:// with a port");
	URL("ssh://server/f", "server 22", "ssh:// without a user");
	URL("ssh://git@[::1]:2222/f", "::1 2222", "an IPv6 address in brackets");
	URL("git+ssh://git@h:23/f", "h 23", "git+ssh://");
	URL("gitolite3@server.gov.vn:fieldlog", "server.gov.vn 22", "the scp form");
	URL("server:fieldlog.git", "server 22", "the scp form without a user");
	URL("https://server/f.git", "invalid", "https is no ssh URL");
	URL("/srv/git/f.git", "invalid", "a path is no ssh URL");
	URL("ssh://git@h:99999/f", "invalid", "a port out of range");

	ARG("127.0.0.1:2222", "127.0.0.1 2222", "host:port");
	ARG("server.gov.vn", "server.gov.vn 22", "a host alone is port 22");
	ARG("[127.0.0.1]:2222", "127.0.0.1 2222", "the known_hosts form");
	ARG("[fe80::1]:22", "fe80::1 22", "IPv6 in brackets");
	ARG("fe80::1", "invalid", "IPv6 needs its brackets");
	ARG("a b", "invalid", "a space");
	ARG("h:", "invalid", "an empty port");
	ARG("h:0", "invalid", "port 0");
	ARG("h'x", "invalid", "a quote (the name reaches a shell command)");

	n = fl_hostkey_name("127.0.0.1", 2222);
	IS(n, "[127.0.0.1]:2222", "known_hosts names a port other than 22 in brackets");
	free(n);
	n = fl_hostkey_name("server", 22);
	IS(n, "server", "and port 22 by the host alone");
	free(n);
	return tap_done();
}
