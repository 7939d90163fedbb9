/* The shared table: one slot per worker. A worker publishes its client's
   address before it counts the others, so that of two workers taking
   clients from one address at the same moment at least one sees the
   other: the limit may refuse one connection too many, never allow one. */
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "worker_table.h"

struct slot {
  atomic_int busy;
  atomic_int pid;
  char ip[16];
};

static struct slot *slots;
static unsigned long nslots;

void worker_table_init(unsigned long n) {
  void *p = mmap(0, n * sizeof *slots, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) log_fatal_sys(111, "unable to map the worker table", (char *)0);
  slots = p;
  nslots = n;
}

void worker_table_assign(unsigned long i, pid_t pid) {
  atomic_store(&slots[i].busy, 0);
  atomic_store(&slots[i].pid, (int)pid);
}

pid_t worker_table_pid(unsigned long i) { return (pid_t)atomic_load(&slots[i].pid); }

long worker_table_find(pid_t pid) {
  unsigned long i;
  for (i = 0; i < nslots; ++i)
    if (atomic_load(&slots[i].pid) == (int)pid) return (long)i;
  return -1;
}

void worker_table_busy(unsigned long i, const char ip[16]) {
  if (!ip) {
    atomic_store(&slots[i].busy, 0);
    return;
  }
  memcpy(slots[i].ip, ip, 16);
  atomic_store(&slots[i].busy, 1); /* sequentially consistent: the address first */
}

unsigned long worker_table_count(void) {
  unsigned long i, n = 0;
  for (i = 0; i < nslots; ++i) n += atomic_load(&slots[i].busy) != 0;
  return n;
}

unsigned long worker_table_count_ip(const char ip[16], unsigned long self) {
  unsigned long i, n = 0;
  for (i = 0; i < nslots; ++i)
    if (i != self && atomic_load(&slots[i].busy) && !memcmp(slots[i].ip, ip, 16)) ++n;
  return n;
}
