#ifndef PRIVILEGES_H
#define PRIVILEGES_H
/* Who the server runs as. The listener reads certificates and keys as
   SSL_USER / SSL_UID / SSL_GROUP (effective ids, when started as root),
   then chroots to SSL_CHROOT and switches to -g / -u (or -U's $GID/$UID)
   for good, before it accepts anything. */

/* effective ids for reading key material; no-op unless root and asked */
void privileges_key_begin(void);
void privileges_key_end(void);
/* SSL_CHROOT, if set */
void privileges_chroot(void);
/* -g / -u: 0 means leave as is */
void privileges_drop(unsigned long gid, unsigned long uid);

#endif
