#ifndef WORKER_TABLE_H
#define WORKER_TABLE_H
/* sslhandle's view of what its workers are doing, in memory shared by the
   workers and their parent: which worker serves a connection, and from
   which address. It gives the status line its count and MAXCONIP its
   per-address count across workers. */

#include <sys/types.h>

/* Maps the table for n workers before they are forked; exits 111 on failure. */
void worker_table_init(unsigned long n);

/* The parent: slot i belongs to worker pid from now on (0: to nobody). */
void worker_table_assign(unsigned long i, pid_t pid);
/* The parent: the worker in slot i (0: none), the slot of pid (-1: none). */
pid_t worker_table_pid(unsigned long i);
long worker_table_find(pid_t pid);

/* A worker in slot i took a connection from ip, or (ip 0) is done with it.
   A worker that dies has its slot cleared by the parent. */
void worker_table_busy(unsigned long i, const char ip[16]);

/* workers serving a connection */
unsigned long worker_table_count(void);
/* workers other than slot self serving a connection from ip */
unsigned long worker_table_count_ip(const char ip[16], unsigned long self);

#endif
