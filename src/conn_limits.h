#ifndef CONN_LIMITS_H
#define CONN_LIMITS_H
/* The listener's table of running connection children: the -c limit and the
   per-address counts for MAXCONIP. */

#include <sys/types.h>

void conn_limits_init(unsigned long limit);
void conn_limits_add(pid_t pid, const char ip[16]);
/* forgets pid; returns 1 when it was in the table */
int conn_limits_remove(pid_t pid);
unsigned long conn_limits_count(void);
unsigned long conn_limits_count_ip(const char ip[16]);

/* MAXCONIP (maxconip, 0: none) for a client from ip with ipcount other
   connections (counted here or, in sslhandle, in the worker table): 1
   when over it, after the warning line. */
int conn_limits_over_ip(const char ip[16], unsigned long ipcount, unsigned long maxconip);

#endif
