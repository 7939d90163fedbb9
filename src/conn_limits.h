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

#endif
