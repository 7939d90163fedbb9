#ifndef RATE_TABLE_H
#define RATE_TABLE_H
/* Connection rate limits per address or per network: "at most n new
   connections in any window of secs seconds". A fixed table of slots
   (set-associative, keyed hash with a random key), each slot the last
   RATE_LOG admissions of one key, so memory is bounded whatever the number
   of addresses; a full set gives up an expired slot, else its least
   recently used one, so a full table never refuses anybody. The table may
   live in memory shared by several processes (one robust process-shared
   lock): sslserver's listener and children, sslhandle's workers. */

#include <stddef.h>
#include <stdint.h>

#define RATE_LOG 64          /* admissions (or batches of them) kept per key */
#define RATE_WAYS 8          /* slots per set */
#define RATE_SETS 512        /* sets of the servers' table: 4096 slots */
#define RATE_SECS_MAX 2000000UL /* longest window: its ms stay below 2^31 */
#define RATE_N_MAX 4000000UL /* batches of at most 65535: RATE_LOG * 65535 */
#define RATE_LIMIT_FMT 48    /* "n/secs" with room to spare */

/* n connections per secs seconds; n 0: no limit */
struct rate_limit {
  unsigned long n, secs;
};

/* Parses "n/secs" (1 <= n <= RATE_N_MAX, 1 <= secs <= RATE_SECS_MAX) or
   "0" (no limit). Returns 1 when all of s is such a value. */
int rate_limit_scan(const char *s, struct rate_limit *l);
/* "n/secs", 0-terminated; returns its length */
size_t rate_limit_fmt(char *s, const struct rate_limit *l);

enum rate_kind { RATE_IP = 1, RATE_NET = 2 };

/* the key of ip: itself (RATE_IP), or its /24 (IPv4) or /64 (IPv6) */
void rate_key(char key[16], const char ip[16], enum rate_kind kind);
/* "a.b.c.0/24" or "x:y:z:w::/64" for RATE_NET, the address for RATE_IP */
size_t rate_key_fmt(char *s, const char ip[16], enum rate_kind kind); /* s: IP_ADDRESS_FMT + 4 */

struct rate_check {
  const char *ip;          /* the remote address, 16 bytes */
  enum rate_kind kind;
  struct rate_limit limit; /* n 0: this check is skipped */
};

struct rate_table;

/* bytes of shared memory a table of sets * RATE_WAYS slots takes */
size_t rate_table_bytes(unsigned long sets);
/* Sets up a table in mem (rate_table_bytes(sets) bytes, zeroed, page
   aligned), hashing with key; shared: mem is shared between processes.
   The handle is this process's (and its forked children's). 0 on failure. */
struct rate_table *rate_table_init(void *mem, unsigned long sets, const unsigned char key[16],
                                   int shared);
/* A table in a shared anonymous mapping with a random key: before any fork. */
struct rate_table *rate_table_map(unsigned long sets);

/* Frees this process's handle (and unmaps a table from rate_table_map). */
void rate_table_free(struct rate_table *t);

/* Admits a connection when every check is under its limit at now (ms of a
   monotonic clock), and then counts it for each. Returns -1 when admitted,
   else the index of the first check over its limit (nothing counted).
   At most RATE_CHECKS checks. */
#define RATE_CHECKS 2
int rate_table_admit(struct rate_table *t, const struct rate_check *c, int n, uint64_t now);

/* slots holding a key */
unsigned long rate_table_used(struct rate_table *t);
/* Tests only: takes the lock and keeps it (a process that dies holding it). */
void rate_table_hold(struct rate_table *t);

#endif
