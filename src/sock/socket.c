/* Berkeley socket calls over the stack (see include/exonet/socket.h).
 *
 * Every call takes the net's lock, works on the socket through the TCP or UDP module,
 * refreshes the socket's readiness mirror and, if it may have armed a timer, kicks the
 * engine. Blocking calls wait on net->changed between attempts; the engine broadcasts
 * it whenever any socket's readiness changes. errno is set here and only here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sock/sock_int.h"

#define EXO_SOCK_MAX_FD (1 << 20)

static int fail(int err) {
  errno = err;
  return -1;
}

static int parse_sin(const struct sockaddr *addr, socklen_t len, uint32_t *ip, uint16_t *port) {
  if (!addr || len < (socklen_t)sizeof(struct sockaddr_in)) return -EINVAL;
  struct sockaddr_in sin;
  memcpy(&sin, addr, sizeof sin);
  if (sin.sin_family != AF_INET) return -EAFNOSUPPORT;
  *ip = ntohl(sin.sin_addr.s_addr);
  *port = ntohs(sin.sin_port);
  return 0;
}

static void fill_sin(struct sockaddr *addr, socklen_t *len, uint32_t ip, uint16_t port) {
  if (!addr || !len) return;
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(ip);
  sin.sin_port = htons(port);
  memcpy(addr, &sin, *len < sizeof sin ? *len : sizeof sin);
  *len = sizeof sin; /* the real size, even when truncated (POSIX) */
}

static uint64_t deadline_after(uint64_t timeout_us) {
  return timeout_us ? exo__sock_now() + timeout_us : 0;
}

/* Waits until s shows any of `want` (or an error/hang-up). 0, -EAGAIN on timeout,
 * -EBADF if the socket was closed meanwhile. */
static int wait_ready(struct exo_net *net, struct exo_sock *s, uint32_t want, uint64_t deadline) {
  for (;;) {
    if (s->closed) return -EBADF;
    exo__sock_mirror(net, s);
    if (exo__sock_events(s) & (want | POLLERR | POLLHUP)) return 0;
    exo__net_kick(net);
    if (!exo__net_wait(net, deadline)) return -EAGAIN;
  }
}

/* Registers a new socket under a fresh eventfd number (lock held). */
static int sock_install(struct exo_net *net, struct exo_sock *s, int cloexec) {
  s->fd = eventfd(0, EFD_NONBLOCK | (cloexec ? EFD_CLOEXEC : 0));
  s->fd_out = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->fd < 0 || s->fd_out < 0 || s->fd >= EXO_SOCK_MAX_FD) {
    int err = s->fd >= EXO_SOCK_MAX_FD ? EMFILE : errno;
    if (s->fd >= 0) close(s->fd);
    if (s->fd_out >= 0) close(s->fd_out);
    return -err;
  }
  if ((size_t)s->fd >= net->by_fd_cap) {
    size_t cap = net->by_fd_cap ? net->by_fd_cap : 64;
    while (cap <= (size_t)s->fd) cap *= 2;
    struct exo_sock **grown = realloc(net->by_fd, cap * sizeof *grown);
    if (!grown) {
      close(s->fd);
      close(s->fd_out);
      return -ENOMEM;
    }
    memset(grown + net->by_fd_cap, 0, (cap - net->by_fd_cap) * sizeof *grown);
    net->by_fd = grown;
    net->by_fd_cap = cap;
  }
  net->by_fd[s->fd] = s;
  if (s->tcp) exo_tcp_set_user(s->tcp, s);
  exo__sock_mirror(net, s);
  return s->fd;
}

int exo_socket(struct exo_net *net, int domain, int type, int protocol) {
  if (domain != AF_INET) return fail(EAFNOSUPPORT);
  int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (base == SOCK_STREAM) {
    if (protocol != 0 && protocol != IPPROTO_TCP) return fail(EPROTONOSUPPORT);
  } else if (base == SOCK_DGRAM) {
    if (protocol != 0 && protocol != IPPROTO_UDP) return fail(EPROTONOSUPPORT);
  } else {
    return fail(EINVAL);
  }
  struct exo_sock *s = calloc(1, sizeof *s);
  if (!s) return fail(ENOMEM);
  s->type = base;
  s->nonblock = (type & SOCK_NONBLOCK) != 0;
  s->linger_onoff = 0;
  pthread_mutex_lock(&net->lock);
  int rc = base == SOCK_STREAM ? exo_stack_tcp_open(net->stack, &s->tcp)
                               : exo_udp_open(net->stack, &s->udp);
  if (rc == 0) {
    rc = sock_install(net, s, type & SOCK_CLOEXEC);
    if (rc < 0) {
      if (s->tcp) exo_tcp_abort(s->tcp, exo__sock_now());
      if (s->udp) exo_udp_close(s->udp);
    }
  }
  pthread_mutex_unlock(&net->lock);
  if (rc < 0) {
    free(s);
    return fail(-rc);
  }
  return rc;
}

int exo_is_socket(struct exo_net *net, int fd) {
  pthread_mutex_lock(&net->lock);
  int yes = fd >= 0 && (size_t)fd < net->by_fd_cap && net->by_fd[fd] != NULL;
  pthread_mutex_unlock(&net->lock);
  return yes;
}

int exo_bind(struct exo_net *net, int fd, const struct sockaddr *addr, socklen_t len) {
  uint32_t ip;
  uint16_t port;
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc = parse_sin(addr, len, &ip, &port);
  if (rc == 0) rc = s->tcp ? exo_tcp_bind(s->tcp, ip, port) : exo_udp_bind(s->udp, ip, port);
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : 0;
}

int exo_listen(struct exo_net *net, int fd, int backlog) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc = s->tcp ? exo_tcp_listen(s->tcp, backlog) : -EOPNOTSUPP;
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : 0;
}

int exo_accept4(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return fail(EINVAL);
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc;
  struct exo_tcp_sock *child = NULL;
  if (!s->tcp) {
    rc = -EOPNOTSUPP;
  } else {
    uint64_t deadline = deadline_after(s->rcvtimeo_us);
    for (;;) {
      rc = exo_tcp_accept(s->tcp, &child);
      if (rc != -EAGAIN || s->nonblock) break;
      rc = wait_ready(net, s, POLLIN, deadline);
      if (rc < 0) break;
    }
  }
  if (rc == 0) {
    struct exo_sock *c = calloc(1, sizeof *c);
    if (!c) {
      exo_tcp_abort(child, exo__sock_now());
      rc = -ENOMEM;
    } else {
      c->type = SOCK_STREAM;
      c->tcp = child;
      c->nonblock = (flags & SOCK_NONBLOCK) != 0;
      rc = sock_install(net, c, flags & SOCK_CLOEXEC);
      if (rc < 0) {
        exo_tcp_abort(child, exo__sock_now());
        free(c);
      } else {
        uint32_t ip;
        uint16_t port;
        exo_tcp_remote(child, &ip, &port);
        fill_sin(addr, len, ip, port);
      }
    }
  }
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : rc;
}

int exo_accept(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len) {
  return exo_accept4(net, fd, addr, len, 0);
}

int exo_connect(struct exo_net *net, int fd, const struct sockaddr *addr, socklen_t len) {
  uint32_t ip;
  uint16_t port;
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc;
  if (s->udp) {
    struct sockaddr_in sin;
    if (addr && len >= (socklen_t)sizeof(sa_family_t) &&
        (memcpy(&sin, addr, sizeof(sa_family_t)), sin.sin_family == AF_UNSPEC)) {
      rc = exo_udp_connect(s->udp, 0, 0); /* dissolve the association */
    } else {
      rc = parse_sin(addr, len, &ip, &port);
      if (rc == 0) rc = exo_udp_connect(s->udp, ip, port);
    }
  } else {
    rc = parse_sin(addr, len, &ip, &port);
    if (rc == 0) rc = exo_tcp_connect(s->tcp, exo__sock_now(), ip, port);
    if (rc == -EINPROGRESS && !s->nonblock) {
      rc = wait_ready(net, s, POLLOUT, deadline_after(s->sndtimeo_us));
      if (rc == -EAGAIN) rc = -EINPROGRESS; /* SO_SNDTIMEO ran out, as on Linux */
      else if (rc == 0) rc = exo_tcp_take_error(s->tcp);
    }
  }
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : 0;
}

static ssize_t tcp_send(struct exo_net *net, struct exo_sock *s, const uint8_t *buf, size_t len,
                        int flags) {
  size_t done = 0;
  bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
  uint64_t deadline = deadline_after(s->sndtimeo_us);
  for (;;) {
    ptrdiff_t n = exo_tcp_send(s->tcp, exo__sock_now(), buf + done, len - done);
    if (n > 0) done += (size_t)n;
    if (done == len && len > 0) return (ssize_t)done;
    if (n < 0 && n != -EAGAIN) {
      if (done) return (ssize_t)done;
      if (n == -EPIPE && !(flags & MSG_NOSIGNAL)) raise(SIGPIPE);
      return n;
    }
    if (len == 0) return 0;
    if (nonblock) return done ? (ssize_t)done : -EAGAIN;
    int rc = wait_ready(net, s, POLLOUT, deadline);
    if (rc < 0) return done ? (ssize_t)done : rc;
  }
}

static ssize_t tcp_recv(struct exo_net *net, struct exo_sock *s, uint8_t *buf, size_t len,
                        int flags) {
  size_t done = 0;
  bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
  uint64_t deadline = deadline_after(s->rcvtimeo_us);
  unsigned tflags = (flags & MSG_PEEK) ? EXO_TCP_RECV_PEEK : 0;
  for (;;) {
    ptrdiff_t n = len ? exo_tcp_recv(s->tcp, exo__sock_now(), buf + done, len - done, tflags) : 0;
    if (n > 0) {
      done += (size_t)n;
      if (!(flags & MSG_WAITALL) || done == len || (flags & MSG_PEEK)) return (ssize_t)done;
      continue;
    }
    if (n == 0) return (ssize_t)done; /* end of stream (or len 0) */
    if (n != -EAGAIN) return done ? (ssize_t)done : n;
    if (nonblock) return done ? (ssize_t)done : -EAGAIN;
    int rc = wait_ready(net, s, POLLIN, deadline);
    if (rc < 0) return done ? (ssize_t)done : rc;
  }
}

static ssize_t udp_sendto(struct exo_net *net, struct exo_sock *s, const void *buf, size_t len,
                          int flags, const struct sockaddr *to, socklen_t tolen) {
  uint32_t ip = 0;
  uint16_t port = 0;
  (void)net;
  (void)flags;
  if (to) {
    int rc = parse_sin(to, tolen, &ip, &port);
    if (rc < 0) return rc;
    if (ip == 0) return -EINVAL; /* 0.0.0.0 as a destination means nothing here */
  }
  return exo_udp_sendto(s->udp, exo__sock_now(), buf, len, ip, port);
}

static ssize_t udp_recvfrom(struct exo_net *net, struct exo_sock *s, void *buf, size_t len,
                            int flags, struct sockaddr *from, socklen_t *fromlen, bool *trunc) {
  bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
  uint64_t deadline = deadline_after(s->rcvtimeo_us);
  for (;;) {
    uint32_t ip;
    uint16_t port;
    int n = (flags & MSG_PEEK) ? exo_udp_peekfrom(s->udp, buf, len, &ip, &port, trunc)
                               : exo_udp_recvfrom(s->udp, buf, len, &ip, &port, trunc);
    if (n >= 0) {
      fill_sin(from, fromlen, ip, port);
      return n;
    }
    if (n != -EAGAIN || nonblock) return n;
    int rc = wait_ready(net, s, POLLIN, deadline);
    if (rc < 0) return rc;
  }
}

ssize_t exo_sendto(struct exo_net *net, int fd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  ssize_t rc;
  /* On a TCP socket Linux ignores the destination address. */
  if (s->tcp) rc = tcp_send(net, s, buf, len, flags);
  else rc = udp_sendto(net, s, buf, len, flags, to, tolen);
  exo__sock_end(net, s);
  return rc < 0 ? fail((int)-rc) : rc;
}

ssize_t exo_send(struct exo_net *net, int fd, const void *buf, size_t len, int flags) {
  return exo_sendto(net, fd, buf, len, flags, NULL, 0);
}

ssize_t exo_recvfrom(struct exo_net *net, int fd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  ssize_t rc;
  if (s->tcp) {
    rc = tcp_recv(net, s, buf, len, flags);
    if (rc >= 0 && from && fromlen) {
      uint32_t ip;
      uint16_t port;
      exo_tcp_remote(s->tcp, &ip, &port);
      fill_sin(from, fromlen, ip, port);
    }
  } else {
    rc = udp_recvfrom(net, s, buf, len, flags, from, fromlen, NULL);
  }
  exo__sock_end(net, s);
  return rc < 0 ? fail((int)-rc) : rc;
}

ssize_t exo_recv(struct exo_net *net, int fd, void *buf, size_t len, int flags) {
  return exo_recvfrom(net, fd, buf, len, flags, NULL, NULL);
}

/* sendmsg/recvmsg gather into / scatter from one bounce buffer: simple, and the stack
 * copies into its own buffers anyway. */
static size_t iov_total(const struct msghdr *msg, int *err) {
  size_t total = 0;
  if (msg->msg_iovlen > 1024) {
    *err = EMSGSIZE;
    return 0;
  }
  for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
    if (msg->msg_iov[i].iov_len > SSIZE_MAX - total) {
      *err = EINVAL;
      return 0;
    }
    total += msg->msg_iov[i].iov_len;
  }
  *err = 0;
  return total;
}

ssize_t exo_sendmsg(struct exo_net *net, int fd, const struct msghdr *msg, int flags) {
  int err;
  size_t total = iov_total(msg, &err);
  if (err) return fail(err);
  uint8_t *buf = malloc(total ? total : 1);
  if (!buf) return fail(ENOMEM);
  size_t off = 0;
  for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
    memcpy(buf + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
    off += msg->msg_iov[i].iov_len;
  }
  ssize_t rc = exo_sendto(net, fd, buf, total, flags, msg->msg_name, msg->msg_namelen);
  free(buf);
  return rc;
}

ssize_t exo_recvmsg(struct exo_net *net, int fd, struct msghdr *msg, int flags) {
  int err;
  size_t total = iov_total(msg, &err);
  if (err) return fail(err);
  uint8_t *buf = malloc(total ? total : 1);
  if (!buf) return fail(ENOMEM);
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) {
    free(buf);
    return -1;
  }
  ssize_t rc;
  bool trunc = false;
  socklen_t namelen = msg->msg_namelen;
  if (s->tcp) {
    rc = tcp_recv(net, s, buf, total, flags);
    namelen = 0;
  } else {
    rc = udp_recvfrom(net, s, buf, total, flags, msg->msg_name, &namelen, &trunc);
  }
  exo__sock_end(net, s);
  if (rc < 0) {
    free(buf);
    return fail((int)-rc);
  }
  size_t off = 0;
  for (size_t i = 0; i < (size_t)msg->msg_iovlen && off < (size_t)rc; i++) {
    size_t n = msg->msg_iov[i].iov_len < (size_t)rc - off ? msg->msg_iov[i].iov_len : (size_t)rc - off;
    memcpy(msg->msg_iov[i].iov_base, buf + off, n);
    off += n;
  }
  free(buf);
  msg->msg_namelen = msg->msg_name ? namelen : 0;
  msg->msg_controllen = 0;
  msg->msg_flags = trunc ? MSG_TRUNC : 0;
  return rc;
}

int exo_shutdown(struct exo_net *net, int fd, int how) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc;
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) rc = -EINVAL;
  else if (s->tcp) rc = exo_tcp_shutdown(s->tcp, exo__sock_now(), how);
  else {
    uint32_t la, ra;
    uint16_t lp, rp;
    exo_udp_getname(s->udp, &la, &lp, &ra, &rp);
    rc = rp ? 0 : -ENOTCONN;
  }
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : 0;
}

int exo_close(struct exo_net *net, int fd) {
  pthread_mutex_lock(&net->lock);
  if (fd >= 0 && (size_t)fd < net->epolls_cap && net->epolls[fd]) {
    struct exo_epoll *ep = net->epolls[fd];
    net->epolls[fd] = NULL;
    pthread_mutex_unlock(&net->lock);
    close(ep->epfd);
    free(ep->regs);
    free(ep);
    return 0;
  }
  struct exo_sock *s = exo__sock_get(net, fd);
  if (!s) {
    pthread_mutex_unlock(&net->lock);
    return -1;
  }
  /* SO_LINGER with a timeout on a blocking socket: close waits (up to the timeout) for
   * the data and our FIN to be acknowledged, as on Linux. */
  if (s->tcp && s->linger_onoff && s->linger_s > 0 && !s->nonblock &&
      exo_tcp_shutdown(s->tcp, exo__sock_now(), SHUT_WR) == 0) {
    exo__net_kick(net);
    uint64_t deadline = exo__sock_now() + (uint64_t)s->linger_s * 1000000u;
    for (;;) {
      enum exo_tcp_state st = exo_tcp_state(s->tcp);
      if (st == EXO_TCP_FIN_WAIT_2 || st == EXO_TCP_TIME_WAIT || st == EXO_TCP_CLOSED) break;
      uint64_t now = exo__sock_now();
      if (now >= deadline) break;
      /* State changes need not change readiness, so look again every 10 ms. */
      exo__net_wait(net, deadline < now + 10000 ? deadline : now + 10000);
    }
  }
  net->by_fd[fd] = NULL;
  exo__epoll_forget_fd(net, fd);
  uint64_t now = exo__sock_now();
  if (s->tcp) {
    exo_tcp_close(s->tcp, now);
    s->tcp = NULL;
  }
  if (s->udp) {
    exo_udp_close(s->udp);
    s->udp = NULL;
  }
  s->closed = true;
  close(s->fd);
  close(s->fd_out);
  pthread_cond_broadcast(&net->changed); /* blocked callers see EBADF */
  exo__net_kick(net);
  exo__sock_put(net, s);
  pthread_mutex_unlock(&net->lock);
  return 0;
}

static int name_of(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len, bool peer) {
  if (!addr || !len) return fail(EFAULT);
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  uint32_t la = 0, ra = 0;
  uint16_t lp = 0, rp = 0;
  if (s->tcp) {
    exo_tcp_local(s->tcp, &la, &lp);
    exo_tcp_remote(s->tcp, &ra, &rp);
  } else {
    exo_udp_getname(s->udp, &la, &lp, &ra, &rp);
  }
  int rc = 0;
  if (peer) {
    bool connected = s->tcp ? (rp != 0 && exo_tcp_state(s->tcp) != EXO_TCP_SYN_SENT &&
                               exo_tcp_state(s->tcp) != EXO_TCP_CLOSED)
                            : rp != 0;
    if (!connected) rc = -ENOTCONN;
    else fill_sin(addr, len, ra, rp);
  } else {
    fill_sin(addr, len, la, lp);
  }
  exo__sock_end(net, s);
  return rc < 0 ? fail(-rc) : 0;
}

int exo_getsockname(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len) {
  return name_of(net, fd, addr, len, false);
}

int exo_getpeername(struct exo_net *net, int fd, struct sockaddr *addr, socklen_t *len) {
  return name_of(net, fd, addr, len, true);
}
