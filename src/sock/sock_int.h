/* Internal state of the sockets layer (see include/exonet/socket.h).
 *
 * Invariants:
 * - net->lock guards the stack, the socket table and every struct exo_sock field.
 * - A socket's `mirrored` bits equal what its two eventfds show: fd readable iff
 *   EXO_SOCK_MIRROR_IN, fd_out readable iff EXO_SOCK_MIRROR_OUT. They are refreshed
 *   after every call on the socket and after every engine turn.
 * - A struct exo_sock is freed only when it is closed and no thread is inside a call
 *   on it (refs == 0); a closed socket is no longer in the table. */
#ifndef EXONET_SOCK_INT_H
#define EXONET_SOCK_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "exonet/socket.h"
#include "stack/tcp.h"

#define EXO_SOCK_MIRROR_IN 0x1u
#define EXO_SOCK_MIRROR_OUT 0x2u

struct exo_sock {
  int fd;     /* the socket's number: an eventfd, readable while the socket is */
  int fd_out; /* internal eventfd, readable while the socket is writable */
  int type;   /* SOCK_STREAM or SOCK_DGRAM */
  bool nonblock;
  bool closed;
  int refs;   /* threads inside a call on this socket */
  uint32_t mirrored;
  struct exo_tcp_sock *tcp;
  struct exo_udp_sock *udp;
  uint64_t rcvtimeo_us, sndtimeo_us; /* 0 = wait forever */
  /* Options kept here because the core has no notion of them (or to answer getsockopt). */
  bool reuseaddr, reuseport, broadcast;
  int linger_onoff, linger_s;
  int rcvbuf, sndbuf;
};

/* An exo_epoll_create instance: the kernel epoll fd plus what each registration asked. */
struct exo_epoll_reg {
  int fd;
  uint32_t events;    /* as the user registered them */
  epoll_data_t data;  /* returned to the user */
  bool disarmed;      /* EPOLLONESHOT fired */
  bool exo;           /* an exonet socket (two kernel registrations) */
};

struct exo_epoll {
  int epfd;
  struct exo_epoll_reg *regs;
  size_t count, cap;
};

struct exo_net {
  pthread_mutex_t lock;
  pthread_cond_t changed; /* broadcast whenever any socket's readiness changed */
  struct exo_stack *stack;
  struct exo_device dev;
  struct exo_platform platform;
  pthread_t engine;
  bool engine_running;
  bool stopping;
  int wake_fd;            /* eventfd: wakes the engine (new earlier deadline, stop) */
  uint64_t engine_deadline; /* when the sleeping engine will wake on its own */
  struct exo_sock **by_fd;  /* indexed by fd number */
  size_t by_fd_cap;
  struct exo_epoll **epolls; /* indexed by epoll fd number */
  size_t epolls_cap;
};

uint64_t exo__sock_now(void);
/* Finds an open socket and takes a reference (under the lock). NULL + errno EBADF
 * (not an fd) or ENOTSOCK (an fd, but not ours). */
struct exo_sock *exo__sock_get(struct exo_net *net, int fd);
/* Drops the reference; frees the socket if it was closed and this was the last one. */
void exo__sock_put(struct exo_net *net, struct exo_sock *s);
/* A call on fd: locks the net and takes a reference, or returns NULL (unlocked, errno
 * set). exo__sock_end refreshes the mirror, kicks the engine, drops the reference and
 * unlocks. */
struct exo_sock *exo__sock_begin(struct exo_net *net, int fd);
void exo__sock_end(struct exo_net *net, struct exo_sock *s);
/* POSIX convention at the boundary: rc >= 0 passes through, a negative errno becomes -1
 * with errno set. */
int exo__sock_result(int rc);
/* Current readiness as poll bits (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP). */
uint32_t exo__sock_events(const struct exo_sock *s);
/* Makes the eventfds show the current readiness; broadcasts `changed` if it moved. */
void exo__sock_mirror(struct exo_net *net, struct exo_sock *s);
/* After a call that may have armed an earlier timer: wakes the engine if needed. */
void exo__net_kick(struct exo_net *net);
/* Waits (lock held) until `changed` or the absolute deadline (0 = none). Returns false
 * when the deadline passed. */
bool exo__net_wait(struct exo_net *net, uint64_t deadline_us);
struct exo_epoll *exo__epoll_get(struct exo_net *net, int fd);
void exo__epoll_forget_fd(struct exo_net *net, int fd);

#endif
