#ifndef CHILD_ARENA_H
#define CHILD_ARENA_H
/* A connection child's own memory. The listener's heap is shared
   copy-on-write with every child; each page a child's malloc or free
   touches there (free lists, chunk headers) becomes a private copy. With
   the arena, a child's allocations come from a fresh mapping of its own,
   frees of the listener's memory do nothing (the child ends soon), and
   while the connection is quiet the pages with nothing in use go back to
   the kernel. The listener allocates as before, from glibc's malloc.

   The arena serves every malloc of the child (it defines malloc and its
   kin, passing them on to glibc until started); built with
   AddressSanitizer, only OpenSSL's (CRYPTO_set_mem_functions). */

/* Makes the arena ready to start. First thing in main: OpenSSL takes
   memory functions only before its first allocation. 0 when refused. */
int child_arena_install(void);

/* In a child right after fork: OpenSSL's allocations from now on come from
   the arena. Does nothing unless installed. */
void child_arena_start(void);

/* Gives the arena's pages with nothing in use back to the kernel (they
   read as zeros when used again); not started: malloc_trim. After the
   handshake, and for a quiet connection. */
void child_arena_trim(void);

#endif
