/* privs.h - giving up root once the capture is open, as tcpdump's -Z does.
 *
 * Opening a live interface needs CAP_NET_RAW (and CAP_NET_ADMIN for
 * promiscuous mode and the ring buffer); reading it afterwards needs
 * nothing. So the sensor opens its capture handles and output files first,
 * then becomes an unprivileged user for the months it runs: a parser bug
 * exploited by hostile traffic then gains that user, not root.
 */
#ifndef TLSSCOPE_PRIVS_H
#define TLSSCOPE_PRIVS_H

#include <stddef.h>

/* Becomes `user` for good: its primary group and supplementary groups, then
 * its uid; checks that root cannot be regained. 0, or -1 with a message. */
int privs_drop(const char *user, char *err, size_t errlen);

/* Is the process running with root's user id (real or effective)? */
int privs_is_root(void);

#endif
