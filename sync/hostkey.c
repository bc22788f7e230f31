/*
 * hostkey.c: the ssh server's host key against ~/.ssh/known_hosts.
 *
 * libgit2 1.5 checks the key an ssh server presents against
 * $HOME/.ssh/known_hosts and tells its certificate_check callback only
 * "valid or not": an unknown host and a changed key look the same. Here
 * each line of known_hosts is read through libssh2's own parser (so that
 * hashed `|1|` lines and `[host]:port` names are matched exactly as libgit2
 * matches them), which tells the two apart and names the line of a changed
 * key.
 *
 * Which key type is asked for. Before the handshake libgit2 1.5 looks up
 * the host in known_hosts and, when it is there, offers the server only the
 * type of the FIRST line for that host. When that line is an ssh-rsa key,
 * libssh2 1.10 can only verify it with SHA-1 signatures, which OpenSSH 8.8
 * and later refuse: the key exchange fails, "Unable to exchange encryption
 * keys". So a key we record goes to the top of the file (libssh2 keeps the
 * file's order), and we ask the server for ed25519 or ECDSA first.
 *
 * Recording a key follows `ssh -o StrictHostKeyChecking=accept-new`: the
 * name is hashed when ssh's configuration says HashKnownHosts (Debian's
 * /etc/ssh/ssh_config does), and a key that differs from a recorded one is
 * never written over.
 */
#define _POSIX_C_SOURCE 200809L
#include "sync/hostkey.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh2.h>
#include <mbedtls/md.h>
#include <sodium.h>

#include "schema/base.h"

/* --- names ------------------------------------------------------------------- */

static int name_ok(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%",
			    s[i]) || !s[i])
			return 0;
	return 1;
}

int fl_hostkey_parse(char **host, int *port, const char *arg)
{
	const char *end, *colon = NULL;
	char *stop = NULL;
	long p = 22;

	*host = NULL;
	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		colon = end[1] ? end + 1 : NULL;
		arg++;
	} else {
		colon = strchr(arg, ':');
		if (colon && strchr(colon + 1, ':'))
			goto bad;   /* an IPv6 address without brackets */
		end = colon ? colon : arg + strlen(arg);
	}
	if (colon) {
		errno = 0;
		p = strtol(colon + 1, &stop, 10);
		if (!colon[1] || *stop || errno || p < 1 || p > 65535)
			goto bad;
	}
	if (!name_ok(arg, (size_t)(end - arg)))
		goto bad;
	*host = xstrndup(arg, (size_t)(end - arg));
	*port = (int)p;
	return 0;
bad:
	return fl_error(FL_EINVALID, "not a host or host:port: '%s'", arg);
}

int fl_hostkey_url(char **host, int *port, const char *url)
{
	const char *p, *end;
	char *hp;
	int e;

	*host = NULL;
	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "ssh+git://", 10) ||
	    !strncmp(url, "git+ssh://", 10)) {
		p = strstr(url, "://") + 3;
		end = p + strcspn(p, "/");
		const char *at = memchr(p, '@', (size_t)(end - p));
		if (at)
			p = at + 1;
		hp = xstrndup(p, (size_t)(end - p));
	} else if (!strstr(url, "://") && (end = strchr(url, ':')) && url[0] != '/' &&
		   !memchr(url, '/', (size_t)(end - url))) {
		/* user@host:path, the form scp and git share; port 22 */
		p = strchr(url, '@');
		p = p && p < end ? p + 1 : url;
		hp = xstrndup(p, (size_t)(end - p));
		if (strchr(hp, ':') || !name_ok(hp, strlen(hp))) {
			free(hp);
			return fl_error(FL_EINVALID, "not an ssh URL: '%s'", url);
		}
		*host = hp;
		*port = 22;
		return 0;
	} else {
		return fl_error(FL_EINVALID, "not an ssh URL: '%s'", url);
	}
	e = fl_hostkey_parse(host, port, hp);
	free(hp);
	return e;
}

char *fl_hostkey_name(const char *host, int port)
{
	return port == 22 ? xstrdup(host) : xstrfmt("[%s]:%d", host, port);
}

/* What `fieldlog remote trust-host` takes for host:port. Caller frees. */
static char *trust_arg(const char *host, int port)
{
	if (strchr(host, ':'))
		return xstrfmt("[%s]:%d", host, port);
	return port == 22 ? xstrdup(host) : xstrfmt("%s:%d", host, port);
}

/* --- keys ---------------------------------------------------------------------- */

/* The key type a raw key blob names (its first string), or "" . Caller frees. */
static char *blob_type(const unsigned char *k, size_t len)
{
	size_t n;
	if (len < 4)
		return xstrdup("");
	n = (size_t)k[0] << 24 | (size_t)k[1] << 16 | (size_t)k[2] << 8 | k[3];
	return n > len - 4 ? xstrdup("") : xstrndup((const char *)k + 4, n);
}

/* libssh2's known-host type bit for a key type name (0: unknown). */
static int knownhost_type(const char *type)
{
	static const struct { const char *name; int bit; } t[] = {
		{ "ssh-ed25519", LIBSSH2_KNOWNHOST_KEY_ED25519 },
		{ "ecdsa-sha2-nistp256", LIBSSH2_KNOWNHOST_KEY_ECDSA_256 },
		{ "ecdsa-sha2-nistp384", LIBSSH2_KNOWNHOST_KEY_ECDSA_384 },
		{ "ecdsa-sha2-nistp521", LIBSSH2_KNOWNHOST_KEY_ECDSA_521 },
		{ "ssh-rsa", LIBSSH2_KNOWNHOST_KEY_SSHRSA },
		{ "ssh-dss", LIBSSH2_KNOWNHOST_KEY_SSHDSS },
	};
	for (size_t i = 0; i < FL_ARRAY_SIZE(t); i++)
		if (!strcmp(type, t[i].name))
			return t[i].bit;
	return 0;
}

/* How ssh names a key type when it prints a fingerprint: ED25519, ECDSA, RSA. */
static const char *type_label(const char *type)
{
	if (!strcmp(type, "ssh-ed25519"))
		return "ED25519";
	if (!strncmp(type, "ecdsa-", 6))
		return "ECDSA";
	if (!strcmp(type, "ssh-rsa"))
		return "RSA";
	return type;
}

/* "SHA256:..." as ssh prints it (base64 without padding). Caller frees. */
static char *fingerprint_of(const unsigned char sha256[32])
{
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), sha256, 32, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return xstrfmt("SHA256:%s", b64);
}

static char *key_fingerprint(const unsigned char *k, size_t len)
{
	unsigned char h[32];
	crypto_hash_sha256(h, k, len);
	return fingerprint_of(h);
}

/* --- known_hosts ------------------------------------------------------------- */

static char *known_hosts_path(void)
{
	const char *home = getenv("HOME");
	return xstrfmt("%s/.ssh/known_hosts", home && *home ? home : ".");
}

enum verdict { KH_UNKNOWN, KH_MATCH, KH_CHANGED };

struct lookup {
	enum verdict v;
	int line;              /* of the match or the changed key */
	int first_line;        /* the first line for the host, any type (0: none) */
	int first_bit;         /* its libssh2 key type bit */
};

/*
 * Looks up the key k (type bit `bit`; k NULL: only first_line) for host
 * and port, line by line, each line parsed by libssh2 alone so that we
 * know which one matched.
 */
static void lookup(struct lookup *out, const char *host, int port, const unsigned char *k,
		   size_t len, int bit)
{
	char *path = known_hosts_path();
	struct strbuf text = STRBUF_INIT, one = STRBUF_INIT;
	LIBSSH2_SESSION *sess;
	const char nonsense = '\0';
	char *line, *next;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (strbuf_read_file(&text, path, 16 << 20) < 0 || !(sess = libssh2_session_init()))
		goto done;
	for (line = text.buf; line && *line && out->v != KH_MATCH; line = next) {
		struct libssh2_knownhost *found = NULL;
		LIBSSH2_KNOWNHOSTS *kh;
		next = strchr(line, '\n');
		size_t l = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		n++;
		if (!l || line[0] == '#' || line[0] == '@' || !(kh = libssh2_knownhost_init(sess)))
			continue;
		/* libssh2 takes the line's last byte for its newline: give it one */
		strbuf_reset(&one);
		strbuf_add(&one, line, l);
		strbuf_addch(&one, '\n');
		if (libssh2_knownhost_readline(kh, one.buf, one.len,
					       LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0) {
			int any = libssh2_knownhost_checkp(kh, host, port, &nonsense, 1,
							   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
							   LIBSSH2_KNOWNHOST_KEYENC_RAW, &found);
			if (any == LIBSSH2_KNOWNHOST_CHECK_MISMATCH && !out->first_line) {
				out->first_line = n;
				out->first_bit = found ? found->typemask & LIBSSH2_KNOWNHOST_KEY_MASK : 0;
			}
			int c = k ? libssh2_knownhost_checkp(kh, host, port, (const char *)k, len,
							     LIBSSH2_KNOWNHOST_TYPE_PLAIN |
							     LIBSSH2_KNOWNHOST_KEYENC_RAW | bit,
							     &found) : -1;
			if (c == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
				out->v = KH_MATCH;
				out->line = n;
			} else if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH && out->v == KH_UNKNOWN) {
				out->v = KH_CHANGED;
				out->line = n;
			}
		}
		libssh2_knownhost_free(kh);
	}
	libssh2_session_free(sess);
done:
	strbuf_release(&one);
	strbuf_release(&text);
	free(path);
}

/* Whether ssh's own configuration hashes the names it records. */
static int ssh_hashes(const char *host, int port)
{
	char buf[256];
	int hashed = 0;
	char *cmd = xstrfmt("ssh -G -p %d -- '%s' 2>/dev/null", port, host);   /* name_ok: no quote */
	FILE *f = popen(cmd, "r");

	while (f && fgets(buf, sizeof(buf), f))
		if (!strcmp(buf, "hashknownhosts yes\n"))
			hashed = 1;
	if (f)
		pclose(f);
	free(cmd);
	return hashed;
}

/* "|1|salt|hmac" for name, as ssh writes a hashed name. Caller frees. */
static char *hashed_name(const char *name)
{
	unsigned char salt[20], mac[20];
	char s64[64], m64[64];

	randombytes_buf(salt, sizeof(salt));
	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), salt, sizeof(salt),
			    (const unsigned char *)name, strlen(name), mac) != 0)
		return NULL;
	sodium_bin2base64(s64, sizeof(s64), salt, sizeof(salt), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(m64, sizeof(m64), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	return xstrfmt("|1|%s|%s", s64, m64);
}

/*
 * Writes "NAME TYPE KEY" as the first line of known_hosts (see the top of
 * the file for why first), creating ~/.ssh (mode 700) when missing.
 */
static int record(const char *host, int port, const unsigned char *k, size_t len)
{
	char *path = known_hosts_path(), *dir = xstrdup(path), *plain = fl_hostkey_name(host, port);
	char *name = ssh_hashes(host, port) ? hashed_name(plain) : NULL;
	char *type = blob_type(k, len);
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(b64len);
	struct strbuf text = STRBUF_INIT;
	int e;

	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		e = fl_error(FL_ERROR, "cannot create '%s': %s", dir, strerror(errno));
		goto done;
	}
	sodium_bin2base64(b64, b64len, k, len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_addf(&text, "%s %s %s\n", name ? name : plain, type, b64);
	if ((e = strbuf_read_file(&text, path, 16 << 20)) == FL_ENOTFOUND)
		e = 0;
	fl_clear_error();
	if (e == 0)
		e = fl_write_file_atomic(path, text.buf, text.len);
	if (e == 0)
		chmod(path, 0644);   /* what ssh leaves; the file holds no secret */
done:
	strbuf_release(&text);
	free(b64);
	free(type);
	free(name);
	free(plain);
	free(dir);
	free(path);
	return e;
}

/* --- the check during a connection --------------------------------------------- */

static int (*prompt)(const char *question);

void fl_hostkey_set_prompt(int (*ask)(const char *question))
{
	prompt = ask;
}

static int changed_error(const char *host, int port, const char *type, const char *fp, int line)
{
	char *path = known_hosts_path(), *name = fl_hostkey_name(host, port);
	int e = fl_error(FL_ERROR, "HOST KEY CHANGED: the ssh server '%s' presents a different %s"
			 " key (%s) from the one line %d of '%s' records; the connection may be"
			 " intercepted, so nothing was sent. Ask the administrator whether the"
			 " server's key really changed; only then delete that line"
			 " (ssh-keygen -R '%s') and run: fieldlog remote trust-host %s",
			 name, type_label(type), fp, line, path, name, name);
	free(name);
	free(path);
	return e;
}

static int unknown_key(const char *host, int port, const unsigned char *k, size_t len,
		       const char *type, const char *fp)
{
	char *name = fl_hostkey_name(host, port), *arg = trust_arg(host, port);
	char *q = NULL;
	int e;

	if (prompt) {
		q = xstrfmt(fl_tr("the ssh server '%s' is not in ~/.ssh/known_hosts yet.\n"
				  "Its %s key fingerprint is %s.\n"
				  "Is that the fingerprint your administrator gave you? [y/N] "),
			    name, type_label(type), fp);
		if (prompt(q)) {
			e = record(host, port, k, len);
			goto done;
		}
	}
	e = fl_error(FL_ERROR, "the ssh server '%s' is not in ~/.ssh/known_hosts (its %s key"
		     " fingerprint is %s); if your administrator confirms that fingerprint,"
		     " run: fieldlog remote trust-host %s", name, type_label(type), fp, arg);
done:
	free(q);
	free(arg);
	free(name);
	return e;
}

int fl_hostkey_check(const git_cert *cert, int valid, const char *url)
{
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	struct lookup l;
	char *host = NULL, *type = NULL, *fp = NULL;
	int port, e;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH;
	if (valid)
		return 0;
	if (!(hk->type & GIT_CERT_SSH_RAW) || fl_hostkey_url(&host, &port, url) < 0) {
		e = fl_error(FL_ERROR, "the ssh server of '%s' presented a host key that is not in"
			     " ~/.ssh/known_hosts", url);
		goto done;
	}
	type = blob_type((const unsigned char *)hk->hostkey, hk->hostkey_len);
	fp = key_fingerprint((const unsigned char *)hk->hostkey, hk->hostkey_len);
	lookup(&l, host, port, (const unsigned char *)hk->hostkey, hk->hostkey_len,
	       knownhost_type(type));
	if (l.v == KH_MATCH)
		e = 0;   /* libgit2 saw another line first; ours is the one that counts */
	else if (l.v == KH_CHANGED)
		e = changed_error(host, port, type, fp, l.line);
	else
		e = unknown_key(host, port, (const unsigned char *)hk->hostkey, hk->hostkey_len,
				type, fp);
done:
	free(fp);
	free(type);
	free(host);
	return e;
}

char *fl_hostkey_kex_hint(const char *url)
{
	struct lookup l;
	char *host = NULL, *hint = NULL, *path, *arg;
	int port;

	if (fl_hostkey_url(&host, &port, url) < 0) {
		fl_clear_error();
		return NULL;
	}
	lookup(&l, host, port, NULL, 0, 0);
	if (l.first_line && l.first_bit == LIBSSH2_KNOWNHOST_KEY_SSHRSA) {
		path = known_hosts_path();
		arg = trust_arg(host, port);
		hint = xstrfmt(fl_tr("line %d of '%s' is an ssh-rsa key for this server, the first"
				     " for it: libgit2 then asks only for ssh-rsa, which OpenSSH 8.8"
				     " and later refuse; run 'fieldlog remote trust-host %s' to"
				     " record its ed25519 key first"), l.first_line, path, arg);
		free(arg);
		free(path);
	}
	free(host);
	return hint;
}

/* --- trust-host ------------------------------------------------------------------- */

static int dial(const char *host, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char ps[16];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0)
		return fl_error(FL_EOFFLINE, "cannot resolve '%s': %s", host, gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			rc = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fl_error(FL_EOFFLINE, "cannot connect to '%s' port %d: %s", host, port,
				strerror(rc));
	return fd;
}

/* The server's host key, ed25519 or ECDSA when it has one. *k the caller frees. */
static int fetch_key(unsigned char **k, size_t *len, const char *host, int port)
{
	LIBSSH2_SESSION *sess = NULL;
	const char *key;
	int fd, type, e = 0;

	*k = NULL;
	if ((fd = dial(host, port)) < 0)
		return fd;
	libssh2_init(0);
	if (!(sess = libssh2_session_init())) {
		e = fl_error(FL_ERROR, "cannot start an ssh session");
		goto done;
	}
	libssh2_session_set_timeout(sess, 30 * 1000);
	libssh2_session_method_pref(sess, LIBSSH2_METHOD_HOSTKEY,
				    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
				    "ecdsa-sha2-nistp521,ssh-rsa");
	if (libssh2_session_handshake(sess, fd) != 0) {
		char *m = NULL;
		libssh2_session_last_error(sess, &m, NULL, 0);
		e = fl_error(FL_ERROR, "the ssh handshake with '%s' port %d failed: %s", host, port,
			     m ? m : "?");
		goto done;
	}
	if (!(key = libssh2_session_hostkey(sess, len, &type))) {
		e = fl_error(FL_ERROR, "'%s' port %d sent no host key", host, port);
		goto done;
	}
	*k = xmalloc(*len);
	memcpy(*k, key, *len);
	libssh2_session_disconnect(sess, "host key recorded");
done:
	if (sess)
		libssh2_session_free(sess);
	close(fd);
	return e;
}

int fl_hostkey_trust(char **fingerprint, int *already, const char *host, int port)
{
	unsigned char *k = NULL;
	size_t len = 0;
	struct lookup l;
	char *type = NULL, *fp = NULL;
	int e;

	*fingerprint = NULL;
	*already = 0;
	if ((e = fetch_key(&k, &len, host, port)) < 0)
		goto done;
	type = blob_type(k, len);
	fp = key_fingerprint(k, len);
	lookup(&l, host, port, k, len, knownhost_type(type));
	if (l.v == KH_CHANGED) {
		e = changed_error(host, port, type, fp, l.line);
		goto done;
	}
	*already = l.v == KH_MATCH && l.line == l.first_line;
	if (!*already && (e = record(host, port, k, len)) < 0)
		goto done;
	*fingerprint = xstrfmt("%s %s", type_label(type), fp);
done:
	free(fp);
	free(type);
	free(k);
	return e;
}
