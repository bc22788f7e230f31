/*
 * netfail.h: what a failed exchange with the central repository means.
 * Exit 3 ("your records stay here and go out at the next sync") is only
 * true when the network could not be reached; a refused key exchange,
 * credentials, host key or repository will not mend itself by waiting, so
 * those are configuration errors that say what to fix (DESIGN section 4).
 */
#ifndef FL_NETFAIL_H
#define FL_NETFAIL_H

/*
 * Judges libgit2's last error after `what` ("fetch", "push") with url
 * failed with code: FL_EOFFLINE for no route, DNS, a refused, timed-out
 * or reset connection; FL_ERROR with a message that names the cause and
 * the fix for everything else.
 */
int fl_netfail(int code, const char *what, const char *url);

#endif
