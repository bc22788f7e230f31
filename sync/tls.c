/*
 * tls.c: CA certificates read only by a process that will speak HTTPS.
 *
 * Debian's libgit2 1.5 (mbedTLS) parses the whole system CA file,
 * /etc/ssl/certs/ca-certificates.crt, inside git_libgit2_init: 9-10 ms of
 * PEM and base64 decoding in every process that touches a repository,
 * and it has no option to skip it. A sync over git:// or ssh:// never
 * uses them, and would pay it twice: once in fieldlog and once in the
 * server's pre-receive hook (`fieldlog server check`), against the 150 ms
 * that a small sync may take.
 *
 * So this file defines mbedtls_x509_crt_parse_file itself. The dynamic
 * linker binds libgit2's call to the executable's definition (ld exports
 * it, since a linked library refers to it). Called by libgit2's start-up,
 * it notes the file and loads nothing (libgit2 then holds an empty CA
 * chain); fl_tls_prepare, which every connection to a remote calls first,
 * gives an http or https URL (a server may redirect the one to the other)
 * the file through GIT_OPT_SET_SSL_CERT_LOCATIONS, and
 * that second call goes on to mbedTLS's own function. Where libgit2 uses
 * another TLS library, nothing calls this function and nothing changes.
 */
#define _GNU_SOURCE
#include "tls.h"

#include <dlfcn.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema/base.h"

static char *deferred;   /* the CA file libgit2's start-up asked for */
static int loading;      /* fl_tls_prepare is asking: really parse */

int mbedtls_x509_crt_parse_file(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	static int (*real)(void *, const char *);

	if (!loading) {
		free(deferred);
		deferred = xstrdup(path);
		return 0;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	return real ? real(chain, path) : -1;
}

int fl_tls_prepare(const char *url)
{
	if ((strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)) || !deferred)
		return 0;
	loading = 1;
	int e = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, deferred, NULL);
	loading = 0;
	if (e < 0)
		return fl_error(FL_ERROR, "cannot read the CA certificates in %s: %s", deferred,
				git_error_last() ? git_error_last()->message : "?");
	fl_trace("tls: CA certificates read from %s", deferred);
	free(deferred);
	deferred = NULL;
	return 0;
}
