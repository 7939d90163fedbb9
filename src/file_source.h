#ifndef FILE_SOURCE_H
#define FILE_SOURCE_H
/* Where the TLS loaders read their files from: the file system, or a set
   of files the key keeper read for them (keeper.h), when a listener that
   dropped its privileges rebuilds its context on SIGHUP. A path the set
   does not hold is read from the file system. */

#include <openssl/bio.h>
#include <libowfat/stralloc.h>

#include "keeper_reply.h"

/* From now on, read from fs (0: the file system again). */
void file_source_use(const struct file_set *fs);

/* As BIO_new_file(path, "r"): 0 with errno set and the system error
   queued in OpenSSL's error queue. */
BIO *file_source_bio(const char *path);

/* path's contents into out, at most max + 1 bytes (so that "too long"
   shows); 0 with errno set. */
int file_source_read(const char *path, stralloc *out, size_t max);

/* Is path a file? (stat(2) succeeds, or the set holds it) */
int file_source_exists(const char *path);

/* The names in directory dir, except those that start with '.', each
   followed by a NUL, into names; 0 with errno set. */
int file_source_names(const char *dir, stralloc *names);

#endif
