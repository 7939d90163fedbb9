#ifndef KEEPER_H
#define KEEPER_H
/* The key keeper: a child forked before the listener chroots and drops
   its privileges, which keeps them so that a SIGHUP reload can still read
   root-only keys. It reads nothing from the network, and from the
   listener only a one-byte request, answered with the bytes of the files
   the TLS settings name (keeper_reply.h); it exits when the listener
   closes its end or dies. */

#include <libowfat/stralloc.h>

#include "keeper_reply.h"

/* Forks the keeper (as root, before chroot and drop). */
void keeper_start(void);

/* Was a keeper started? (it may have died since) */
int keeper_started(void);

/* The files, read by the keeper: 1 with *fs filled (file_set_free it);
   0 with a one-line reason in err. A keeper that is gone or stuck stays
   gone: reloads then fail until a restart. */
int keeper_fetch(struct file_set *fs, stralloc *err);

/* In a connection child or worker: its end of the socket pair closed. */
void keeper_forget(void);

#endif
