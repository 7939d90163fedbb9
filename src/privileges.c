/* Changing ids and root directory. Each failure is fatal: a server must not
   run with more privilege than it was told to keep. */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <libowfat/scan.h>

#include "log.h"
#include "privileges.h"

static int switched;
static gid_t saved_groups[256];
static int saved_ngroups;

static int number(const char *s, unsigned long *u) {
  size_t n = scan_ulong(s, u);
  return n && !s[n];
}

void privileges_key_begin(void) {
  const char *user = getenv("SSL_USER"), *group = getenv("SSL_GROUP"), *uids = getenv("SSL_UID");
  unsigned long u;
  uid_t uid = 0;
  gid_t gid = 0;
  int have_uid = 0, have_gid = 0;

  if (geteuid() != 0) return;
  if (user && *user) {
    struct passwd *pw = getpwnam(user);
    if (!pw) log_fatal(111, "unknown SSL_USER: ", user, (char *)0);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    have_uid = have_gid = 1;
  }
  if (uids && *uids) {
    if (!number(uids, &u)) log_fatal(100, "SSL_UID is not a number: ", uids, (char *)0);
    uid = (uid_t)u;
    have_uid = 1;
  }
  if (group && *group) {
    if (number(group, &u)) gid = (gid_t)u;
    else {
      struct group *gr = getgrnam(group);
      if (!gr) log_fatal(111, "unknown SSL_GROUP: ", group, (char *)0);
      gid = gr->gr_gid;
    }
    have_gid = 1;
  }
  if (!have_uid && !have_gid) return;
  saved_ngroups = getgroups(256, saved_groups);
  if (saved_ngroups < 0) saved_ngroups = 0;
  if (have_gid && (setgroups(1, &gid) == -1 || setegid(gid) == -1))
    log_fatal_sys(111, "unable to set group id for reading keys", (char *)0);
  if (have_uid && seteuid(uid) == -1)
    log_fatal_sys(111, "unable to set user id for reading keys", (char *)0);
  switched = 1;
}

void privileges_key_end(void) {
  if (!switched) return;
  if (seteuid(0) == -1 || setegid(0) == -1 || setgroups((size_t)saved_ngroups, saved_groups) == -1)
    log_fatal_sys(111, "unable to restore ids after reading keys", (char *)0);
  switched = 0;
}

void privileges_chroot(void) {
  const char *dir = getenv("SSL_CHROOT");
  if (!dir || !*dir) return;
  if (chdir(dir) == -1) log_fatal_sys(111, "unable to chdir to: ", dir, (char *)0);
  if (chroot(".") == -1) log_fatal_sys(111, "unable to chroot to: ", dir, (char *)0);
}

void privileges_drop(unsigned long gid, unsigned long uid) {
  if (gid) {
    gid_t g = (gid_t)gid;
    if (setgroups(1, &g) == -1 || setgid(g) == -1)
      log_fatal_sys(111, "unable to set gid", (char *)0);
  }
  if (uid && setuid((uid_t)uid) == -1) log_fatal_sys(111, "unable to set uid", (char *)0);
}
