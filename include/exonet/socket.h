/* Berkeley sockets over the exonet stack, with Linux's semantics and errno values.
 *
 * A `struct exo_net` is one running stack: the core (struct exo_stack) on a device, plus
 * a progress engine thread that keeps the protocols running while the application is
 * not calling in (ACKs, retransmissions, timers). The engine sleeps on the device's fd
 * and the next timer deadline; it never spins when idle. All stack state is guarded by
 * one mutex per net, so any thread may use any socket; blocking calls park on a
 * condition variable until the socket is ready, the timeout passes, or it is closed.
 *
 * Every exonet socket is a real kernel file descriptor (an eventfd), so its number never
 * collides with ordinary fds and it can be waited on together with them: exo_poll,
 * exo_select and exo_epoll_* accept both kinds. The eventfd is readable exactly when the
 * socket is readable (data, EOF, a connection to accept, an error or a hang-up); a
 * second, internal eventfd does the same for writability.
 *
 * Functions follow POSIX: they return -1 (NULL) and set errno on failure. */
#ifndef EXONET_SOCKET_H
#define EXONET_SOCKET_H

#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "exonet/device.h"
#include "exonet/stack.h"

struct exo_net;

/* Creates a stack on `dev` (which must outlive the net) and starts its progress engine.
 * Returns NULL with errno EINVAL (bad config), ENOMEM, or the error from starting the
 * thread. */
struct exo_net *exo_net_create(const struct exo_stack_config *cfg, struct exo_device dev);
/* Stops the engine, closes every socket still open (their fds too) and frees the net. */
void exo_net_destroy(struct exo_net *net);
/* Copies the stack's counters (taken under the lock). */
void exo_net_counters(struct exo_net *net, struct exo_stack_counters *out);
/* Runs fn(stack, arg) with the engine stopped for its duration (configuration changes,
 * DHCP hooks, tests). fn must not block. */
void exo_net_locked(struct exo_net *net, void (*fn)(struct exo_stack *st, void *arg), void *arg);

/* AF_INET with SOCK_STREAM (TCP) or SOCK_DGRAM (UDP); SOCK_NONBLOCK and SOCK_CLOEXEC
 * may be or-ed into type. Errors: EAFNOSUPPORT, EPROTONOSUPPORT, EINVAL, EMFILE, ENOMEM. */
int exo_socket(struct exo_net *net, int domain, int type, int protocol);
int exo_bind(struct exo_net *net, int fd, const struct sockaddr *addr, socklen_t len);
int exo_listen(struct exo_net *net, int fd, int backlog);
int exo_accept(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len);
/* flags: SOCK_NONBLOCK, SOCK_CLOEXEC. */
int exo_accept4(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len, int flags);
/* Blocking connect waits for the handshake (SO_SNDTIMEO bounds it: EINPROGRESS... as
 * Linux, ETIMEDOUT/ECONNREFUSED/EHOSTUNREACH when it fails); non-blocking returns
 * EINPROGRESS and the socket becomes writable (SO_ERROR tells the outcome). */
int exo_connect(struct exo_net *net, int fd, const struct sockaddr *addr, socklen_t len);
ssize_t exo_send(struct exo_net *net, int fd, const void *buf, size_t len, int flags);
ssize_t exo_recv(struct exo_net *net, int fd, void *buf, size_t len, int flags);
ssize_t exo_sendto(struct exo_net *net, int fd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen);
ssize_t exo_recvfrom(struct exo_net *net, int fd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen);
ssize_t exo_sendmsg(struct exo_net *net, int fd, const struct msghdr *msg, int flags);
ssize_t exo_recvmsg(struct exo_net *net, int fd, struct msghdr *msg, int flags);
int exo_shutdown(struct exo_net *net, int fd, int how);
int exo_close(struct exo_net *net, int fd);
int exo_getsockname(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len);
int exo_getpeername(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len);
int exo_setsockopt(struct exo_net *net, int fd, int level, int name, const void *val,
                   socklen_t len);
int exo_getsockopt(struct exo_net *net, int fd, int level, int name, void *val,
                   socklen_t *len);
/* FIONREAD, FIONBIO. */
int exo_ioctl(struct exo_net *net, int fd, unsigned long request, void *arg);
/* F_GETFL / F_SETFL (O_NONBLOCK), F_GETFD / F_SETFD. */
int exo_fcntl(struct exo_net *net, int fd, int cmd, long arg);
/* Whether fd is an exonet socket of this net. */
int exo_is_socket(struct exo_net *net, int fd);

/* Waiting: exonet sockets and ordinary fds together. */
int exo_poll(struct exo_net *net, struct pollfd *fds, nfds_t nfds, int timeout_ms);
int exo_select(struct exo_net *net, int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
               struct timeval *timeout);
int exo_epoll_create(struct exo_net *net);
int exo_epoll_ctl(struct exo_net *net, int epfd, int op, int fd, struct epoll_event *ev);
int exo_epoll_wait(struct exo_net *net, int epfd, struct epoll_event *events, int max,
                   int timeout_ms);

#endif
