/* The child's arena (child_arena.h), single-threaded as the connection
   child is. Small blocks (a power of two from 16 to 2048 bytes) are cut
   from pages of one size each; a table at the mapping's start counts the
   blocks in use on every page. Larger ones are runs of whole pages. Free
   blocks wait on a list per size; trimming gives back every page with
   nothing in use. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#include "child_arena.h"

#define RESERVE ((size_t)256 << 20) /* address space; pages are touched only as used */
#define PAGE 4096ul
#define PAGES (RESERVE / PAGE)
#define NSMALL 8      /* the classes: powers of two from 16 to 2048 bytes, many to a page */
#define NSPAN 64      /* larger: runs of whole pages, reused up to 64 pages */

/* what the arena knows of each of its pages, kept in its first pages */
struct page {
  uint8_t cls;      /* small class + 1; 0: a span's or none */
  uint8_t trimmed;  /* given back to the kernel while free */
  uint16_t live;    /* small: blocks in use; span: 1 in use */
  uint32_t npages;  /* span: its length, on its first page; given back: the next such page + 1 */
  uint32_t next;    /* a free span: the next free span of its length, its first page + 1 */
};

/* Without AddressSanitizer (which has its own malloc) the arena serves the
   whole child: malloc and its kin are defined here, and glibc's own are
   called by their other names. With it, OpenSSL's allocations only. */
#if defined(__SANITIZE_ADDRESS__) /* gcc's name */
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang's */
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define WHOLE_PROCESS 1
extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
#define sys_malloc __libc_malloc
#define sys_realloc __libc_realloc
#define sys_free __libc_free
#else
#define sys_malloc malloc
#define sys_realloc realloc
#define sys_free free
#endif

static int installed, active;
static size_t (*sys_usable)(void *); /* glibc's or the sanitizer's */
static char *base, *top, *end;
static struct page *info;
static void *small_free[NSMALL];
static uint32_t span_free[NSPAN + 1]; /* first page + 1; 0: none */
static uint32_t empty_pages; /* pages given back: the first's number + 1, linked by npages */

/* few classes, so that the few blocks a quiet connection keeps share pages */
static size_t class_size(unsigned i) {
  return (size_t)16 << i;
}

/* the smallest class that holds n bytes (n <= 2048) */
static unsigned class_of(size_t n) {
  return n <= 16 ? 0 : (unsigned)(60 - __builtin_clzl(n - 1));
}

static int ours(const void *p) {
  return (const char *)p >= base && (const char *)p < end;
}

static size_t page_of(const void *p) {
  return (size_t)((const char *)p - base) / PAGE;
}

/* n fresh pages: a page given back first, else from the top */
static char *new_pages(size_t n) {
  char *p;
  if (n == 1 && empty_pages) {
    p = base + (size_t)(empty_pages - 1) * PAGE;
    empty_pages = info[empty_pages - 1].npages;
    info[page_of(p)].trimmed = 0;
    return p;
  }
  if ((size_t)(end - top) < n * PAGE) return 0;
  p = top;
  top += n * PAGE;
  return p;
}

/* a page cut into blocks of class c, all on its free list */
static int refill(unsigned c) {
  size_t size = class_size(c), off;
  char *pg = new_pages(1);
  if (!pg) return 0;
  info[page_of(pg)].cls = (uint8_t)(c + 1);
  info[page_of(pg)].live = 0;
  for (off = (PAGE / size - 1) * size;; off -= size) {
    *(void **)(pg + off) = small_free[c];
    small_free[c] = pg + off;
    if (!off) break;
  }
  return 1;
}

static void *span_alloc(size_t n) {
  size_t np = (n + PAGE - 1) / PAGE;
  char *p;
  if (np <= NSPAN && span_free[np]) {
    p = base + (size_t)(span_free[np] - 1) * PAGE;
    span_free[np] = info[span_free[np] - 1].next;
  } else if (!(p = new_pages(np)))
    return sys_malloc(n); /* the reserve is used up: never freed, the child ends first */
  info[page_of(p)] = (struct page){0, 0, 1, (uint32_t)np, 0};
  return p;
}

static void *arena_alloc(size_t n) {
  unsigned c;
  void *p;
  if (n > 2048) return span_alloc(n);
  c = class_of(n);
  if (!small_free[c] && !refill(c)) return sys_malloc(n);
  p = small_free[c];
  small_free[c] = *(void **)p;
  info[page_of(p)].live++;
  return p;
}

static void arena_free(void *p) {
  struct page *pg;
  if (!p || !ours(p)) return; /* the listener's: its page stays shared */
  pg = &info[page_of(p)];
  if (pg->cls) {
    pg->live--;
    *(void **)p = small_free[pg->cls - 1];
    small_free[pg->cls - 1] = p;
    return;
  }
  pg->live = 0;
  if (pg->npages > NSPAN) { /* not reused: only given back */
    madvise(p, pg->npages * PAGE, MADV_DONTNEED);
    return;
  }
  pg->next = span_free[pg->npages];
  span_free[pg->npages] = (uint32_t)page_of(p) + 1;
}

static size_t size_of(void *p) {
  struct page *pg;
  if (!ours(p)) return sys_usable(p);
  pg = &info[page_of(p)];
  return pg->cls ? class_size(pg->cls - 1u) : pg->npages * PAGE;
}

static void *arena_realloc(void *p, size_t n) {
  size_t old;
  void *q;
  if (!p) return arena_alloc(n);
  if (!n) {
    arena_free(p);
    return 0;
  }
  old = size_of(p);
  if (ours(p) && n <= old) return p;
  if (!(q = arena_alloc(n))) return 0;
  memcpy(q, p, old < n ? old : n);
  arena_free(p);
  return q;
}

#ifndef WHOLE_PROCESS
static void *crypto_malloc(size_t n, const char *file, int line) {
  (void)file, (void)line;
  return active ? arena_alloc(n) : sys_malloc(n);
}

static void *crypto_realloc(void *p, size_t n, const char *file, int line) {
  (void)file, (void)line;
  return active ? arena_realloc(p, n) : sys_realloc(p, n);
}

static void crypto_free(void *p, const char *file, int line) {
  (void)file, (void)line;
  if (active) arena_free(p);
  else sys_free(p);
}
#else
void *malloc(size_t n) {
  return active ? arena_alloc(n) : __libc_malloc(n);
}

void free(void *p) {
  if (active) arena_free(p);
  else __libc_free(p);
}

void *realloc(void *p, size_t n) {
  return active ? arena_realloc(p, n) : __libc_realloc(p, n);
}

void *reallocarray(void *p, size_t k, size_t n) {
  if (n && k > (size_t)-1 / n) {
    errno = ENOMEM;
    return 0;
  }
  return realloc(p, k * n);
}

void *calloc(size_t k, size_t n) {
  void *p;
  if (!active) return __libc_calloc(k, n);
  if (n && k > (size_t)-1 / n) return 0;
  if ((p = arena_alloc(k * n))) memset(p, 0, k * n);
  return p;
}

/* a block of a power-of-two class is aligned to its size, a span to a page */
void *memalign(size_t align, size_t n) {
  if (!active || align > PAGE) return __libc_memalign(align, n);
  return arena_alloc(n > align ? n : align);
}

void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

void *valloc(size_t n) { return memalign(PAGE, n); }

void *pvalloc(size_t n) { return memalign(PAGE, (n + PAGE - 1) & ~(PAGE - 1)); }

int posix_memalign(void **p, size_t align, size_t n) {
  void *q = memalign(align, n);
  if (!q) return ENOMEM;
  *p = q;
  return 0;
}

size_t malloc_usable_size(void *p) {
  return !p ? 0 : active ? size_of(p) : sys_usable(p);
}
#endif

int child_arena_install(void) {
#ifdef WHOLE_PROCESS
  /* glibc binds its own calls to realloc lazily: the first, setenv's,
     here, or every child writes the binding (a page of libc, one of ld.so) */
  setenv("UCSPI_TLS_ARENA", "", 1);
  unsetenv("UCSPI_TLS_ARENA");
  sys_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  installed = sys_usable != 0;
#else
  sys_usable = malloc_usable_size;
  installed = CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free);
#endif
  return installed;
}

void child_arena_start(void) {
  void *m;
  size_t meta = (PAGES * sizeof(struct page) + PAGE - 1) / PAGE * PAGE;
  if (!installed || active) return;
  m = mmap(0, RESERVE + meta, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
           -1, 0);
  if (m == MAP_FAILED) return; /* malloc, as in the listener */
  info = m;
  base = top = (char *)m + meta;
  end = base + RESERVE;
  active = 1;
}

/* the small blocks on pages with none in use leave the free lists, and
   those pages go back; so do the free spans' */
void child_arena_trim(void) {
  unsigned c;
  size_t np;
  void *p, **link;
  if (!active) {
    malloc_trim(0); /* glibc's heap: its free chunks' pages */
    return;
  }
  for (c = 0; c < NSMALL; ++c)
    for (link = &small_free[c]; (p = *link);) {
      struct page *pg = &info[page_of(p)];
      if (pg->live) {
        link = (void **)p;
        continue;
      }
      *link = *(void **)p;
      if (!pg->trimmed) pg->trimmed = 1;
    }
  for (np = 0; np < PAGES && base + np * PAGE < top; ++np)
    if (info[np].cls && !info[np].live && info[np].trimmed == 1) {
      madvise(base + np * PAGE, PAGE, MADV_DONTNEED);
      info[np] = (struct page){0, 2, 0, empty_pages, 0};
      empty_pages = (uint32_t)np + 1;
    }
  for (np = 1; np <= NSPAN; ++np) {
    uint32_t f;
    for (f = span_free[np]; f; f = info[f - 1].next)
      if (!info[f - 1].trimmed) {
        madvise(base + (size_t)(f - 1) * PAGE, np * PAGE, MADV_DONTNEED);
        info[f - 1].trimmed = 1;
      }
  }
}
