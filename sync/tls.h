/*
 * tls.h: the system's CA certificates, read only when HTTPS needs them
 * (see tls.c for why, and how).
 */
#ifndef FL_TLS_H
#define FL_TLS_H

/*
 * Call before connecting to url. For an https URL, or an http one (which
 * the server may redirect to https), reads the CA certificates libgit2's
 * start-up was asked to and did not (once per process); for any other URL
 * does nothing. Returns 0, or FL_ERROR with a one-line message.
 */
int fl_tls_prepare(const char *url);

#endif
