/*
 * hostkey.h: the ssh server's host key against ~/.ssh/known_hosts, where
 * libgit2 1.5 (through libssh2) looks: the verdict on a key a connection
 * presented (unknown, changed, or trusted), recording a key the way
 * `ssh -o StrictHostKeyChecking=accept-new` does, and the hint for a key
 * exchange that failed because of what known_hosts lists (DESIGN section
 * 4, "host keys").
 */
#ifndef FL_HOSTKEY_H
#define FL_HOSTKEY_H

#include <stddef.h>
#include <git2.h>

/*
 * The host and port of an ssh URL (ssh://[user@]host[:port]/path or the
 * scp form user@host:path); *host the caller frees. FL_EINVALID when url
 * is not an ssh URL.
 */
int fl_hostkey_url(char **host, int *port, const char *url);

/*
 * HOST, HOST:PORT or [HOST]:PORT (an IPv6 address needs the brackets)
 * into *host (caller frees) and *port (22 when not given). FL_EINVALID
 * for anything else.
 */
int fl_hostkey_parse(char **host, int *port, const char *arg);

/* How known_hosts names a host: "host" on port 22, else "[host]:port". Caller frees. */
char *fl_hostkey_name(const char *host, int port);

/*
 * Who is asked whether to trust an unknown key: question is a few lines
 * ending in "[y/N] "; returns 1 for yes. NULL (the default): nobody, the
 * key is refused with the command that trusts it. app/ installs one when
 * stdin and stderr are a terminal.
 */
void fl_hostkey_set_prompt(int (*ask)(const char *question));

/*
 * libgit2's certificate_check for the central repository at url. `valid`
 * is libgit2's own verdict. Returns 0 to go on, GIT_PASSTHROUGH for a
 * certificate that is not an ssh host key, or FL_ERROR with the message
 * set: an unknown key (with the fingerprint and the `fieldlog remote
 * trust-host` command) or a changed one (naming the known_hosts line).
 * A key the prompt accepted is recorded first.
 */
int fl_hostkey_check(const git_cert *cert, int valid, const char *url);

/*
 * Connects to host:port, asks for an ed25519 or ECDSA key (ssh-rsa only
 * when the server has nothing else) and records it at the top of
 * known_hosts, hashed when ssh's own HashKnownHosts says so. *fingerprint
 * (caller frees) gets "ED25519 SHA256:...", *already 1 when the key was
 * known. FL_ERROR when a different key of that type is recorded for the
 * host (the line named; nothing written), FL_EOFFLINE when the host
 * cannot be reached.
 */
int fl_hostkey_trust(char **fingerprint, int *already, const char *host, int port);

/*
 * When a key exchange with url failed: a sentence on what in known_hosts
 * made libgit2 ask for a key type the server refuses (the first entry for
 * the host is an ssh-rsa key: libgit2 1.5 then offers only ssh-rsa, which
 * OpenSSH 8.8 and later refuse), or NULL. Caller frees.
 */
char *fl_hostkey_kex_hint(const char *url);

#endif
