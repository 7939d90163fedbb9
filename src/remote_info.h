#ifndef REMOTE_INFO_H
#define REMOTE_INFO_H
/* -r: the remote user name from the client's ident server (RFC 1413),
   bounded by -t. */

#include <libowfat/stralloc.h>
#include <libowfat/uint16.h>
#include <libowfat/uint32.h>

/* 1 with the user name 0-terminated in out, 0 when there is none */
int remote_info(stralloc *out, const char remoteip[16], uint16 remoteport,
                const char localip[16], uint16 localport, uint32 scope,
                unsigned long seconds);

#endif
