/* privs.c - see privs.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "common/privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privs_drop(const char *user, char *err, size_t errlen)
{
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user%s%s", user, errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    /* Groups first: once the uid is gone, they can no longer be changed. */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot change groups: %s", user, strerror(errno));
        return -1;
    }
    if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot change user: %s", user, strerror(errno));
        return -1;
    }
    /* A saved set-user-id left behind would let an attacker come back. */
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "-Z %s: root could be regained after the switch; refusing to run", user);
        return -1;
    }
    return 0;
}

int privs_is_root(void)
{
    return getuid() == 0 || geteuid() == 0;
}
