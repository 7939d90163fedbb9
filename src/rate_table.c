/* The rate table. Each slot keeps a ring of RATE_LOG batches: the time of
   a batch's last admission and how many it holds. A limit of n admits in
   batches of ceil(n / RATE_LOG), so for n <= RATE_LOG every batch is one
   admission and the window is exact. A batch counts whole while its last
   admission is inside the window: the count never falls short, so never
   more than n are admitted in any window, and it errs by at most one batch
   on the safe side. The oldest batch is overwritten only when it has left
   the window: were all RATE_LOG full batches inside it, they would make n
   and the connection would not have been admitted.

   Times in the ring are the low 32 bits of milliseconds; a window is
   shorter than 2^31 ms, and a slot untouched for 2^31 ms is emptied, so
   the differences taken are always the true ages. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <libowfat/fmt.h>
#include <libowfat/scan.h>

#include "ip_address.h"
#include "rate_table.h"

#define STALE (1ULL << 31) /* ms after which a slot's times could wrap */

struct slot {
  unsigned char key[16];
  uint8_t kind;     /* 0: free */
  uint8_t head;     /* the newest batch */
  uint16_t spare;
  uint32_t window;  /* ms of the limit it was last counted under: expiry */
  uint64_t newest;  /* ms of the newest admission */
  uint64_t touched; /* ms of the last look: least recently used goes first */
  uint32_t at[RATE_LOG];    /* low 32 bits of the ms of a batch's last admission */
  uint16_t count[RATE_LOG]; /* admissions in the batch, 0: none */
};

struct shared {
  pthread_mutex_t lock;
  uint64_t clock; /* the latest now seen: time never goes back for the table */
  unsigned long sets;
  struct slot slot[];
};

struct rate_table {
  struct shared *sh;
  EVP_MAC_CTX *mac; /* SipHash, keyed; this process's copy */
  size_t mapped;    /* bytes mapped by rate_table_map, 0: memory given */
};

int rate_limit_scan(const char *s, struct rate_limit *l) {
  unsigned long n, secs;
  size_t k;
  if (!strcmp(s, "0")) {
    l->n = l->secs = 0;
    return 1;
  }
  if (*s < '1' || *s > '9') return 0;
  k = scan_ulong(s, &n);
  if (!k || s[k] != '/' || n < 1 || n > RATE_N_MAX) return 0;
  s += k + 1;
  if (*s < '1' || *s > '9') return 0;
  k = scan_ulong(s, &secs);
  if (!k || s[k] || secs < 1 || secs > RATE_SECS_MAX) return 0;
  l->n = n;
  l->secs = secs;
  return 1;
}

size_t rate_limit_fmt(char *s, const struct rate_limit *l) {
  size_t k = fmt_ulong(s, l->n);
  s[k++] = '/';
  k += fmt_ulong(s + k, l->secs);
  s[k] = 0;
  return k;
}

void rate_key(char key[16], const char ip[16], enum rate_kind kind) {
  memcpy(key, ip, 16);
  if (kind != RATE_NET) return;
  if (ip_address_is4(ip)) key[15] = 0;
  else memset(key + 8, 0, 8);
}

size_t rate_key_fmt(char *s, const char ip[16], enum rate_kind kind) {
  char key[16];
  size_t k;
  rate_key(key, ip, kind);
  k = ip_address_fmt(s, key);
  if (kind == RATE_NET) {
    memcpy(s + k, ip_address_is4(ip) ? "/24" : "/64", 4);
    k += 3;
  }
  return k;
}

size_t rate_table_bytes(unsigned long sets) {
  return sizeof(struct shared) + (size_t)sets * RATE_WAYS * sizeof(struct slot);
}

struct rate_table *rate_table_init(void *mem, unsigned long sets, const unsigned char key[16],
                                   int shared) {
  struct rate_table *t;
  pthread_mutexattr_t a;
  OSSL_PARAM p[2];
  EVP_MAC *mac;
  size_t size = 8;

  if (!sets) return 0;
  t = calloc(1, sizeof *t);
  if (!t) return 0;
  t->sh = mem;
  t->sh->sets = sets;
  /* a holder that dies must not wedge the others: robust */
  if (pthread_mutexattr_init(&a) ||
      pthread_mutexattr_setpshared(&a, shared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE) ||
      pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) || pthread_mutex_init(&t->sh->lock, &a)) {
    free(t);
    return 0;
  }
  pthread_mutexattr_destroy(&a);
  mac = EVP_MAC_fetch(0, "SIPHASH", 0);
  if (mac) t->mac = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  p[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
  p[1] = OSSL_PARAM_construct_end();
  if (!t->mac || !EVP_MAC_init(t->mac, key, 16, p)) {
    EVP_MAC_CTX_free(t->mac);
    free(t);
    return 0;
  }
  return t;
}

struct rate_table *rate_table_map(unsigned long sets) {
  unsigned char key[16];
  size_t bytes = rate_table_bytes(sets);
  void *mem;
  struct rate_table *t;
  if (RAND_bytes(key, sizeof key) != 1) return 0;
  mem = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 0;
  t = rate_table_init(mem, sets, key, 1);
  if (!t) munmap(mem, bytes);
  else t->mapped = bytes;
  return t;
}

void rate_table_free(struct rate_table *t) {
  if (!t) return;
  EVP_MAC_CTX_free(t->mac);
  if (t->mapped) munmap(t->sh, t->mapped);
  free(t);
}

static int lock(struct rate_table *t) {
  int r = pthread_mutex_lock(&t->sh->lock);
  /* its holder died mid-update: at worst one slot is off, and every read
     below tolerates a slot in any state */
  if (r == EOWNERDEAD) r = pthread_mutex_consistent(&t->sh->lock);
  return r == 0;
}

static void unlock(struct rate_table *t) { pthread_mutex_unlock(&t->sh->lock); }

void rate_table_hold(struct rate_table *t) { lock(t); }

static unsigned long set_of(struct rate_table *t, const unsigned char key[16], uint8_t kind) {
  unsigned char h[8];
  size_t hl = 0;
  uint64_t v;
  int i;
  /* no key: start again from the one given at init */
  if (!EVP_MAC_init(t->mac, 0, 0, 0) || !EVP_MAC_update(t->mac, key, 16) ||
      !EVP_MAC_update(t->mac, &kind, 1) || !EVP_MAC_final(t->mac, h, &hl, sizeof h))
    memcpy(h, key + 8, 8); /* unkeyed, but still a set */
  for (v = 0, i = 0; i < 8; ++i) v = v << 8 | h[i];
  return (unsigned long)(v % t->sh->sets);
}

/* the slot of key, or a fresh one in its set (never avoid) */
static struct slot *find(struct rate_table *t, const unsigned char key[16], uint8_t kind,
                         uint64_t now, const struct slot *avoid) {
  struct slot *s = t->sh->slot + set_of(t, key, kind) * RATE_WAYS, *victim = 0;
  int i, expired = 0;
  for (i = 0; i < RATE_WAYS; ++i)
    if (s[i].kind == kind && !memcmp(s[i].key, key, 16)) return s + i;
  for (i = 0; i < RATE_WAYS; ++i) {
    int gone = !s[i].kind || now - s[i].newest >= s[i].window;
    if (s + i == avoid) continue;
    if (!victim || (gone && !expired) || (gone == expired && s[i].touched < victim->touched)) {
      victim = s + i;
      expired = gone;
    }
  }
  memset(victim, 0, sizeof *victim);
  memcpy(victim->key, key, 16);
  victim->kind = kind;
  victim->newest = victim->touched = now;
  return victim;
}

/* admissions counted inside the window of l */
static unsigned long in_window(const struct slot *s, const struct rate_limit *l, uint64_t now) {
  uint32_t w = (uint32_t)(l->secs * 1000), n32 = (uint32_t)now;
  unsigned long sum = 0;
  unsigned i, k;
  for (k = 0, i = s->head % RATE_LOG; k < RATE_LOG; ++k, i = (i + RATE_LOG - 1) % RATE_LOG) {
    if (!s->count[i] || (uint32_t)(n32 - s->at[i]) >= w) break;
    sum += s->count[i];
  }
  return sum;
}

static void count(struct slot *s, const struct rate_limit *l, uint64_t now) {
  uint32_t w = (uint32_t)(l->secs * 1000), n32 = (uint32_t)now;
  unsigned long batch = (l->n + RATE_LOG - 1) / RATE_LOG;
  unsigned h = s->head % RATE_LOG;
  if (s->count[h] && s->count[h] < batch && (uint32_t)(n32 - s->at[h]) < w) {
    ++s->count[h];
  } else {
    h = (h + 1) % RATE_LOG;
    s->count[h] = 1;
    s->head = (uint8_t)h;
  }
  s->at[h] = n32;
  s->newest = now;
  s->window = w;
}

int rate_table_admit(struct rate_table *t, const struct rate_check *c, int n, uint64_t now) {
  struct slot *s[RATE_CHECKS] = {0};
  int i, refused = -1;
  if (n > RATE_CHECKS) n = RATE_CHECKS;
  if (!lock(t)) return -1; /* not recoverable: limits off rather than service */
  if (now < t->sh->clock) now = t->sh->clock; /* another process read the clock later */
  t->sh->clock = now;
  for (i = 0; i < n; ++i) {
    unsigned char key[16];
    if (!c[i].limit.n) continue;
    rate_key((char *)key, c[i].ip, c[i].kind);
    s[i] = find(t, key, (uint8_t)c[i].kind, now, i ? s[0] : 0); /* not the other's */
    s[i]->touched = now;
    if (now - s[i]->newest >= STALE) memset(s[i]->count, 0, sizeof s[i]->count);
    if (refused < 0 && in_window(s[i], &c[i].limit, now) >= c[i].limit.n) refused = i;
  }
  if (refused < 0)
    for (i = 0; i < n; ++i)
      if (s[i]) count(s[i], &c[i].limit, now);
  unlock(t);
  return refused;
}

unsigned long rate_table_used(struct rate_table *t) {
  unsigned long i, n = 0;
  if (!lock(t)) return 0;
  for (i = 0; i < t->sh->sets * RATE_WAYS; ++i) n += t->sh->slot[i].kind != 0;
  unlock(t);
  return n;
}
