/* syscalls.h - names for what records carry: loopscope's syscall ids, raw
 * syscall numbers of this architecture, fd kinds. */
#ifndef LS_SYSCALLS_H
#define LS_SYSCALLS_H

#include <stdbool.h>
#include <stdio.h>

const char *ls_syscall_name(int lsc);  /* enum ls_syscall */
long ls_syscall_nr(int lsc);           /* its raw number here, -1: none on this architecture */
int ls_syscall_class(int lsc);         /* enum ls_sc_class */
void ls_syscalls_list(FILE *out);      /* `loopscope --list-syscalls` */
const char *raw_syscall_name(long nr); /* "futex", or NULL when unknown */
bool raw_syscall_is_wait(long nr);     /* epoll_wait, epoll_pwait, epoll_pwait2 */
bool raw_syscall_is_futex(long nr);    /* futex, futex_waitv */
const char *fd_kind_name(int kind);    /* enum ls_fd_kind */

#endif
