/* Sockets-layer semantics: two stacks, each with its own progress engine, joined by an
 * in-memory link, driven through the Berkeley calls from several threads. Checks Linux's
 * errno values and readiness rules (blocking/non-blocking, timeouts, poll/epoll edges). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "exonet/dev/memlink.h"
#include "exonet/socket.h"
#include "harness.h"

#define ADDR_A EXO_IPV4(10, 77, 0, 1)
#define ADDR_B EXO_IPV4(10, 77, 0, 2)

struct pair {
  struct exo_memlink *link;
  struct exo_net *a, *b;
};

static void pair_up(struct pair *p) {
  p->link = exo_memlink_create(1024);
  struct exo_stack_config ca = {.mac = {{0x02, 0, 0, 0, 0, 1}}, .addr = ADDR_A, .netmask = 0xffffff00};
  struct exo_stack_config cb = {.mac = {{0x02, 0, 0, 0, 0, 2}}, .addr = ADDR_B, .netmask = 0xffffff00};
  p->a = exo_net_create(&ca, exo_memlink_end(p->link, 0));
  p->b = exo_net_create(&cb, exo_memlink_end(p->link, 1));
  if (!p->a || !p->b) {
    perror("exo_net_create");
    abort();
  }
}

static void pair_down(struct pair *p) {
  exo_net_destroy(p->a);
  exo_net_destroy(p->b);
  exo_memlink_destroy(p->link);
}

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port) {
  struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(port)};
  s.sin_addr.s_addr = htonl(ip);
  return s;
}

static int listener(struct exo_net *net, uint16_t port) {
  int fd = exo_socket(net, AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = sin_of(0, port);
  EXO_CHECK_EQ(exo_bind(net, fd, (struct sockaddr *)&a, sizeof a), 0);
  EXO_CHECK_EQ(exo_listen(net, fd, 16), 0);
  return fd;
}

static int connect_to(struct exo_net *net, uint32_t ip, uint16_t port) {
  int fd = exo_socket(net, AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = sin_of(ip, port);
  int rc = exo_connect(net, fd, (struct sockaddr *)&a, sizeof a);
  if (rc != 0) {
    int err = errno;
    exo_close(net, fd);
    errno = err;
    return -1;
  }
  return fd;
}

/* A TCP connection from B (client c) to A (server s) through A's listener l on port. */
struct conn3 {
  int l, c, s;
};

static struct conn3 connection(struct pair *p, uint16_t port) {
  struct conn3 k;
  k.l = listener(p->a, port);
  k.c = connect_to(p->b, ADDR_A, port);
  k.s = exo_accept(p->a, k.l, NULL, NULL);
  EXO_CHECK(k.c >= 0 && k.s >= 0);
  return k;
}

struct echo_args {
  struct exo_net *net;
  int lfd;
  size_t total;
};

/* Accepts one connection and echoes everything until EOF. */
static void *echo_server(void *arg) {
  struct echo_args *e = arg;
  int c = exo_accept(e->net, e->lfd, NULL, NULL);
  if (c < 0) return NULL;
  char buf[8192];
  for (;;) {
    ssize_t n = exo_recv(e->net, c, buf, sizeof buf, 0);
    if (n <= 0) break;
    e->total += (size_t)n;
    if (exo_send(e->net, c, buf, (size_t)n, 0) != n) break;
  }
  exo_close(e->net, c);
  return NULL;
}

EXO_TEST(socket_argument_errors) {
  struct pair p;
  pair_up(&p);
  EXO_CHECK_EQ(exo_socket(p.a, AF_INET6, SOCK_STREAM, 0), -1);
  EXO_CHECK_EQ(errno, EAFNOSUPPORT);
  EXO_CHECK_EQ(exo_socket(p.a, AF_INET, SOCK_STREAM, IPPROTO_UDP), -1);
  EXO_CHECK_EQ(errno, EPROTONOSUPPORT);
  EXO_CHECK_EQ(exo_bind(p.a, 0, NULL, 0), -1); /* stdin is not an exonet socket */
  EXO_CHECK_EQ(errno, ENOTSOCK);
  EXO_CHECK_EQ(exo_listen(p.a, 1 << 20, 1), -1);
  EXO_CHECK_EQ(errno, EBADF);
  int u = exo_socket(p.a, AF_INET, SOCK_DGRAM, 0);
  EXO_CHECK(u >= 0);
  EXO_CHECK_EQ(exo_listen(p.a, u, 1), -1);
  EXO_CHECK_EQ(errno, EOPNOTSUPP);
  struct sockaddr_in a = sin_of(EXO_IPV4(192, 0, 2, 1), 9); /* not ours */
  EXO_CHECK_EQ(exo_bind(p.a, u, (struct sockaddr *)&a, sizeof a), -1);
  EXO_CHECK_EQ(errno, EADDRNOTAVAIL);
  int t1 = listener(p.a, 8080);
  int t2 = exo_socket(p.a, AF_INET, SOCK_STREAM, 0);
  a = sin_of(0, 8080);
  EXO_CHECK_EQ(exo_bind(p.a, t2, (struct sockaddr *)&a, sizeof a), -1);
  EXO_CHECK_EQ(errno, EADDRINUSE);
  EXO_CHECK_EQ(exo_close(p.a, t1), 0);
  EXO_CHECK_EQ(exo_close(p.a, t1), -1);
  EXO_CHECK_EQ(errno, EBADF);
  exo_close(p.a, t2);
  exo_close(p.a, u);
  pair_down(&p);
}

EXO_TEST(tcp_blocking_echo_of_one_megabyte) {
  struct pair p;
  pair_up(&p);
  struct echo_args e = {.net = p.a, .lfd = listener(p.a, 7)};
  pthread_t th;
  pthread_create(&th, NULL, echo_server, &e);
  int c = connect_to(p.b, ADDR_A, 7);
  EXO_CHECK(c >= 0);
  size_t len = 1 << 20;
  uint8_t *out = malloc(len), *in = malloc(len);
  for (size_t i = 0; i < len; i++) out[i] = (uint8_t)(i * 31 + (i >> 9));
  size_t sent = 0, got = 0;
  /* Interleave so neither side's buffers fill while the other waits. */
  while (got < len) {
    if (sent < len) {
      ssize_t n = exo_send(p.b, c, out + sent, len - sent < 16384 ? len - sent : 16384, 0);
      EXO_CHECK(n > 0);
      if (n <= 0) break;
      sent += (size_t)n;
    }
    ssize_t n = exo_recv(p.b, c, in + got, len - got, 0);
    EXO_CHECK(n > 0);
    if (n <= 0) break;
    got += (size_t)n;
  }
  EXO_CHECK_EQ(got, len);
  EXO_CHECK_MEM(in, out, len);
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  EXO_CHECK_EQ(exo_getpeername(p.b, c, (struct sockaddr *)&peer, &plen), 0);
  EXO_CHECK_EQ(ntohl(peer.sin_addr.s_addr), ADDR_A);
  EXO_CHECK_EQ(ntohs(peer.sin_port), 7);
  struct tcp_info ti;
  socklen_t tlen = sizeof ti;
  EXO_CHECK_EQ(exo_getsockopt(p.b, c, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
  EXO_CHECK_EQ(ti.tcpi_state, 1 /* TCP_ESTABLISHED */);
  EXO_CHECK(ti.tcpi_snd_mss > 0);
  EXO_CHECK_EQ(exo_shutdown(p.b, c, SHUT_WR), 0);
  char tail;
  EXO_CHECK_EQ(exo_recv(p.b, c, &tail, 1, 0), 0); /* server closed after our FIN */
  pthread_join(th, NULL);
  EXO_CHECK_EQ(e.total, len);
  exo_close(p.b, c);
  exo_close(p.a, e.lfd);
  free(out);
  free(in);
  pair_down(&p);
}

EXO_TEST(connect_to_a_closed_port_is_refused) {
  struct pair p;
  pair_up(&p);
  EXO_CHECK_EQ(connect_to(p.b, ADDR_A, 9999), -1);
  EXO_CHECK_EQ(errno, ECONNREFUSED);
  /* Non-blocking: EINPROGRESS, then writable with SO_ERROR = ECONNREFUSED. */
  int fd = exo_socket(p.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = sin_of(ADDR_A, 9999);
  EXO_CHECK_EQ(exo_connect(p.b, fd, (struct sockaddr *)&a, sizeof a), -1);
  EXO_CHECK_EQ(errno, EINPROGRESS);
  struct pollfd pf = {.fd = fd, .events = POLLOUT};
  EXO_CHECK_EQ(exo_poll(p.b, &pf, 1, 5000), 1);
  EXO_CHECK(pf.revents & (POLLOUT | POLLERR));
  int err = 0;
  socklen_t elen = sizeof err;
  EXO_CHECK_EQ(exo_getsockopt(p.b, fd, SOL_SOCKET, SO_ERROR, &err, &elen), 0);
  EXO_CHECK_EQ(err, ECONNREFUSED);
  exo_close(p.b, fd);
  pair_down(&p);
}

EXO_TEST(recv_timeout_and_nonblocking) {
  struct pair p;
  pair_up(&p);
  struct conn3 k = connection(&p, 80);
  int l = k.l, c = k.c, s = k.s;
  char buf[16];
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, MSG_DONTWAIT), -1);
  EXO_CHECK_EQ(errno, EAGAIN);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  EXO_CHECK_EQ(exo_setsockopt(p.b, c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), -1);
  EXO_CHECK_EQ(errno, EAGAIN);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  EXO_CHECK(waited >= 0.19 && waited < 2.0);
  EXO_CHECK_EQ(exo_fcntl(p.b, c, F_SETFL, O_NONBLOCK), 0);
  EXO_CHECK(exo_fcntl(p.b, c, F_GETFL, 0) & O_NONBLOCK);
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), -1);
  EXO_CHECK_EQ(errno, EAGAIN);
  EXO_CHECK_EQ(exo_send(p.a, s, "hi", 2, 0), 2);
  struct pollfd pf = {.fd = c, .events = POLLIN};
  EXO_CHECK_EQ(exo_poll(p.b, &pf, 1, 5000), 1);
  int avail = 0;
  EXO_CHECK_EQ(exo_ioctl(p.b, c, FIONREAD, &avail), 0);
  EXO_CHECK_EQ(avail, 2);
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), 2);
  exo_close(p.a, s);
  exo_close(p.b, c);
  exo_close(p.a, l);
  pair_down(&p);
}

EXO_TEST(readiness_after_peer_close_and_epoll_edges) {
  struct pair p;
  pair_up(&p);
  struct conn3 k = connection(&p, 81);
  int l = k.l, c = k.c, s = k.s;
  int ep = exo_epoll_create(p.b);
  EXO_CHECK(ep >= 0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.u64 = 42};
  EXO_CHECK_EQ(exo_epoll_ctl(p.b, ep, EPOLL_CTL_ADD, c, &ev), 0);
  EXO_CHECK_EQ(exo_epoll_ctl(p.b, ep, EPOLL_CTL_ADD, c, &ev), -1);
  EXO_CHECK_EQ(errno, EEXIST);
  struct epoll_event got[4];
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 50), 0); /* nothing yet */
  EXO_CHECK_EQ(exo_send(p.a, s, "one", 3, 0), 3);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 5000), 1);
  EXO_CHECK_EQ(got[0].data.u64, 42);
  EXO_CHECK(got[0].events & EPOLLIN);
  /* Edge-triggered: not reported again until drained and refilled. */
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 50), 0);
  char buf[16];
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), 3);
  EXO_CHECK_EQ(exo_send(p.a, s, "two", 3, 0), 3);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 5000), 1);
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), 3);
  /* Peer closes: readable, EPOLLRDHUP, recv returns 0. */
  exo_close(p.a, s);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 5000), 1);
  EXO_CHECK(got[0].events & EPOLLRDHUP);
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), 0);
  struct pollfd pf = {.fd = c, .events = POLLIN | POLLRDHUP};
  EXO_CHECK_EQ(exo_poll(p.b, &pf, 1, 0), 1);
  EXO_CHECK(pf.revents & POLLIN);
  EXO_CHECK(pf.revents & POLLRDHUP);
  /* EPOLLONESHOT: one report, then silence until re-armed with MOD. */
  ev.events = EPOLLIN | EPOLLONESHOT;
  EXO_CHECK_EQ(exo_epoll_ctl(p.b, ep, EPOLL_CTL_MOD, c, &ev), 0);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 1000), 1);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 50), 0);
  EXO_CHECK_EQ(exo_epoll_ctl(p.b, ep, EPOLL_CTL_MOD, c, &ev), 0);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 4, 1000), 1);
  exo_close(p.b, ep);
  exo_close(p.b, c);
  exo_close(p.a, l);
  pair_down(&p);
}

EXO_TEST(udp_sendto_recvfrom_and_select) {
  struct pair p;
  pair_up(&p);
  int a = exo_socket(p.a, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = sin_of(0, 5353);
  EXO_CHECK_EQ(exo_bind(p.a, a, (struct sockaddr *)&addr, sizeof addr), 0);
  int b = exo_socket(p.b, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = sin_of(ADDR_A, 5353);
  EXO_CHECK_EQ(exo_sendto(p.b, b, "ping", 4, 0, (struct sockaddr *)&to, sizeof to), 4);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(a, &rd);
  struct timeval tv = {.tv_sec = 5};
  EXO_CHECK_EQ(exo_select(p.a, a + 1, &rd, NULL, NULL, &tv), 1);
  EXO_CHECK(FD_ISSET(a, &rd));
  char buf[16];
  int avail = 0;
  EXO_CHECK_EQ(exo_ioctl(p.a, a, FIONREAD, &avail), 0);
  EXO_CHECK_EQ(avail, 4);
  EXO_CHECK_EQ(exo_recv(p.a, a, buf, sizeof buf, MSG_PEEK), 4); /* still queued after */
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  EXO_CHECK_EQ(exo_recvfrom(p.a, a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 4);
  EXO_CHECK_EQ(exo_ioctl(p.a, a, FIONREAD, &avail), 0);
  EXO_CHECK_EQ(avail, 0);
  EXO_CHECK_MEM(buf, "ping", 4);
  EXO_CHECK_EQ(ntohl(from.sin_addr.s_addr), ADDR_B);
  /* Reply through sendmsg with two iovecs; read with recvmsg into a short buffer. */
  struct iovec iov[2] = {{.iov_base = "po", .iov_len = 2}, {.iov_base = "ng!", .iov_len = 3}};
  struct msghdr m = {.msg_name = &from, .msg_namelen = flen, .msg_iov = iov, .msg_iovlen = 2};
  EXO_CHECK_EQ(exo_sendmsg(p.a, a, &m, 0), 5);
  char small[4];
  struct iovec riov = {.iov_base = small, .iov_len = sizeof small};
  struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1};
  EXO_CHECK_EQ(exo_recvmsg(p.b, b, &r, 0), 4);
  EXO_CHECK(r.msg_flags & MSG_TRUNC);
  EXO_CHECK_MEM(small, "pong", 4);
  exo_close(p.a, a);
  exo_close(p.b, b);
  pair_down(&p);
}

EXO_TEST(error_readiness_after_reset) {
  struct pair p;
  pair_up(&p);
  struct conn3 k = connection(&p, 82);
  int l = k.l, c = k.c, s = k.s;
  /* SO_LINGER with a zero timeout: close sends RST. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  EXO_CHECK_EQ(exo_setsockopt(p.a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  int ep = exo_epoll_create(p.b);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = c}, got[2];
  EXO_CHECK_EQ(exo_epoll_ctl(p.b, ep, EPOLL_CTL_ADD, c, &ev), 0);
  exo_close(p.a, s);
  EXO_CHECK_EQ(exo_epoll_wait(p.b, ep, got, 2, 5000), 1);
  EXO_CHECK(got[0].events & (EPOLLERR | EPOLLHUP));
  struct pollfd pf = {.fd = c, .events = POLLOUT};
  EXO_CHECK_EQ(exo_poll(p.b, &pf, 1, 0), 1);
  EXO_CHECK(pf.revents & POLLERR);
  char buf[8];
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, sizeof buf, 0), -1);
  EXO_CHECK_EQ(errno, ECONNRESET);
  /* After the error was reported, sending fails too (EPIPE), with no SIGPIPE asked. */
  EXO_CHECK_EQ(exo_send(p.b, c, "x", 1, MSG_NOSIGNAL), -1);
  EXO_CHECK(errno == EPIPE || errno == ECONNRESET);
  exo_close(p.b, ep);
  exo_close(p.b, c);
  exo_close(p.a, l);
  pair_down(&p);
}

struct delayed_send {
  struct exo_net *net;
  int fd;
};

static void *send_later(void *arg) {
  struct delayed_send *d = arg;
  usleep(100000);
  exo_send(d->net, d->fd, "late", 4, 0);
  return NULL;
}

EXO_TEST(blocking_recv_parks_until_another_thread_sends) {
  struct pair p;
  pair_up(&p);
  struct conn3 k = connection(&p, 83);
  int l = k.l, c = k.c, s = k.s;
  struct delayed_send d = {.net = p.a, .fd = s};
  pthread_t th;
  pthread_create(&th, NULL, send_later, &d);
  char buf[8];
  /* MSG_WAITALL with a 4-byte buffer: parks until all 4 bytes came from the other thread. */
  EXO_CHECK_EQ(exo_recv(p.b, c, buf, 4, MSG_WAITALL), 4);
  EXO_CHECK_MEM(buf, "late", 4);
  pthread_join(th, NULL);
  exo_close(p.a, s);
  exo_close(p.b, c);
  exo_close(p.a, l);
  pair_down(&p);
}

EXO_TEST(poll_and_select_mix_sockets_with_ordinary_fds) {
  struct pair p;
  pair_up(&p);
  int u = exo_socket(p.a, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = sin_of(0, 6000);
  EXO_CHECK_EQ(exo_bind(p.a, u, (struct sockaddr *)&a, sizeof a), 0);
  int pipefd[2];
  EXO_CHECK_EQ(pipe(pipefd), 0);
  struct pollfd pf[2] = {{.fd = u, .events = POLLIN}, {.fd = pipefd[0], .events = POLLIN}};
  EXO_CHECK_EQ(exo_poll(p.a, pf, 2, 50), 0);
  EXO_CHECK_EQ(write(pipefd[1], "x", 1), 1);
  EXO_CHECK_EQ(exo_poll(p.a, pf, 2, 1000), 1);
  EXO_CHECK_EQ(pf[0].revents, 0);
  EXO_CHECK(pf[1].revents & POLLIN);
  int b = exo_socket(p.b, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = sin_of(ADDR_A, 6000);
  EXO_CHECK_EQ(exo_sendto(p.b, b, "d", 1, 0, (struct sockaddr *)&to, sizeof to), 1);
  fd_set rd, wr;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_SET(u, &rd);
  FD_SET(pipefd[0], &rd);
  FD_SET(u, &wr); /* a UDP socket is always writable */
  struct timeval tv = {.tv_sec = 5};
  int n = exo_select(p.a, (u > pipefd[0] ? u : pipefd[0]) + 1, &rd, &wr, NULL, &tv);
  /* The datagram may still be in flight: wait for it if select saw only the pipe and
   * the writable socket. */
  if (!FD_ISSET(u, &rd)) {
    struct pollfd w = {.fd = u, .events = POLLIN};
    EXO_CHECK_EQ(exo_poll(p.a, &w, 1, 5000), 1);
  } else {
    EXO_CHECK_EQ(n, 3);
  }
  EXO_CHECK(FD_ISSET(pipefd[0], &rd));
  EXO_CHECK(FD_ISSET(u, &wr));
  close(pipefd[0]);
  close(pipefd[1]);
  exo_close(p.a, u);
  exo_close(p.b, b);
  pair_down(&p);
}

static double elapsed_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void drop_address(struct exo_stack *st, void *arg) {
  (void)arg;
  exo_stack_set_addr(st, 0, 0, 0, 0);
}

EXO_TEST(linger_close_waits_for_the_ack_but_not_forever) {
  struct pair p;
  pair_up(&p);
  struct conn3 k = connection(&p, 84);
  int l = k.l, c = k.c, s = k.s;
  struct linger lg = {.l_onoff = 1, .l_linger = 1};
  EXO_CHECK_EQ(exo_setsockopt(p.b, c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  static char data[65536];
  EXO_CHECK_EQ(exo_send(p.b, c, data, sizeof data, 0), (ssize_t)sizeof data);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  EXO_CHECK_EQ(exo_close(p.b, c), 0); /* the peer's stack ACKs at once */
  EXO_CHECK(elapsed_since(&t0) < 0.9);
  size_t got = 0;
  char buf[8192];
  ssize_t n;
  while ((n = exo_recv(p.a, s, buf, sizeof buf, 0)) > 0) got += (size_t)n;
  EXO_CHECK_EQ(got, sizeof data);
  /* Now a peer that has vanished: close gives up after the linger time. */
  int c2 = connect_to(p.b, ADDR_A, 84);
  int s2 = exo_accept(p.a, l, NULL, NULL);
  EXO_CHECK(c2 >= 0 && s2 >= 0);
  exo_net_locked(p.a, drop_address, NULL); /* A stops answering (no RST, nothing) */
  EXO_CHECK_EQ(exo_setsockopt(p.b, c2, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  EXO_CHECK_EQ(exo_send(p.b, c2, "x", 1, 0), 1);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  EXO_CHECK_EQ(exo_close(p.b, c2), 0);
  double waited = elapsed_since(&t0);
  EXO_CHECK(waited >= 0.95 && waited < 3.0);
  pair_down(&p);
}
