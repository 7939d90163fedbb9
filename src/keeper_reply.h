#ifndef KEEPER_REPLY_H
#define KEEPER_REPLY_H
/* The bytes the key keeper (keeper.h) sends the listener: the files the
   TLS settings name, as a set the listener's loaders read from memory
   (file_source.h). Pure encoding and parsing, no I/O.

   A reply is a 4-byte big-endian length n, then n bytes of records:
     kind (1 byte), path length (4, big-endian), data length (4), path, data
   kinds: 'f' a file and its contents; 'd' a directory that could be listed
   (its files are the 'f' records under "path/"); 'x' a file or directory
   that could not be read, data = its errno (4 bytes); 'e' the whole
   request failed, data = a one-line reason. The parser trusts none of it:
   lengths past the end, empty or NUL-bearing paths, unknown kinds, a
   reason with a newline, and more than the limits below are refused. */

#include <stddef.h>

#define KEEPER_REPLY_MAX (64UL << 20) /* bytes of records in one reply */
#define KEEPER_FILE_MAX (16UL << 20)  /* bytes of one file */
#define KEEPER_PATH_MAX 4096
#define KEEPER_HEAD 4                 /* the length prefix */

struct keeper_entry {
  char kind;          /* 'f', 'd' or 'x' */
  char *path;         /* NUL-terminated */
  unsigned char *data; /* 'f': the contents (len bytes) */
  size_t len;
  int err;            /* 'x': errno */
};

struct file_set {
  struct keeper_entry *e;
  size_t n;
  char *failed;       /* 'e': the keeper's reason, else 0 */
};

/* Appends one record to *buf (*len bytes used, *cap allocated, realloc'd);
   0 when out of memory. keeper_reply_frame then writes the length prefix
   into the first KEEPER_HEAD bytes, which the caller reserved. */
int keeper_reply_add(unsigned char **buf, size_t *len, size_t *cap, char kind, const char *path,
                     const void *data, size_t dlen);
void keeper_reply_frame(unsigned char *buf, size_t len);

/* The record bytes' length from a prefix; 0 when above KEEPER_REPLY_MAX. */
size_t keeper_reply_length(const unsigned char head[KEEPER_HEAD]);

/* Parses len bytes of records (without the prefix) into *fs, which owns
   copies; 0 on success, else a reason (and *fs empty). */
const char *keeper_reply_parse(const unsigned char *p, size_t len, struct file_set *fs);

/* The last entry for path, or 0. */
const struct keeper_entry *file_set_find(const struct file_set *fs, const char *path);

void file_set_free(struct file_set *fs);

#endif
