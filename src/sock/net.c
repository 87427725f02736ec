/* The progress engine and socket table of the sockets layer.
 *
 * One engine thread per net drives the stack: it polls the device and runs the timers,
 * then sleeps in poll(2) on the device fd and a wake eventfd until the next deadline.
 * Application threads call into the stack under the same mutex; when a call arms a timer
 * earlier than the engine's sleep, it writes the wake eventfd (exo__net_kick). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "exonet/host.h"
#include "sock/sock_int.h"

uint64_t exo__sock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Sets an eventfd to readable (1) or not (0). The counter is only ever 0 or 1. */
static void eventfd_set(int fd, bool readable) {
  uint64_t v;
  if (readable) {
    v = 1;
    if (write(fd, &v, sizeof v) != sizeof v) { /* EAGAIN cannot happen at 0 or 1 */ }
  } else {
    if (read(fd, &v, sizeof v) != sizeof v) { /* EAGAIN: already 0 */ }
  }
}

uint32_t exo__sock_events(const struct exo_sock *s) {
  if (s->tcp) return exo_tcp_events(s->tcp);
  if (!s->udp) return 0;
  uint32_t e = exo_udp_events(s->udp), out = 0;
  if (e & EXO_EV_READABLE) out |= POLLIN;
  if (e & EXO_EV_WRITABLE) out |= POLLOUT;
  if (e & EXO_EV_ERR) out |= POLLERR;
  if (e & EXO_EV_HUP) out |= POLLHUP;
  if (e & EXO_EV_RDHUP) out |= POLLRDHUP;
  return out;
}

void exo__sock_mirror(struct exo_net *net, struct exo_sock *s) {
  if (s->closed) return;
  uint32_t ev = exo__sock_events(s);
  /* Errors and hang-ups wake both readers and writers, as on Linux. */
  uint32_t want = 0;
  if (ev & (POLLIN | POLLERR | POLLHUP | POLLRDHUP)) want |= EXO_SOCK_MIRROR_IN;
  if (ev & (POLLOUT | POLLERR | POLLHUP)) want |= EXO_SOCK_MIRROR_OUT;
  if (want == s->mirrored) return;
  if ((want ^ s->mirrored) & EXO_SOCK_MIRROR_IN) eventfd_set(s->fd, want & EXO_SOCK_MIRROR_IN);
  if ((want ^ s->mirrored) & EXO_SOCK_MIRROR_OUT)
    eventfd_set(s->fd_out, want & EXO_SOCK_MIRROR_OUT);
  s->mirrored = want;
  pthread_cond_broadcast(&net->changed);
}

static void mirror_all(struct exo_net *net) {
  for (size_t i = 0; i < net->by_fd_cap; i++)
    if (net->by_fd[i]) exo__sock_mirror(net, net->by_fd[i]);
}

void exo__net_kick(struct exo_net *net) {
  if (exo_stack_next_deadline(net->stack) < net->engine_deadline) {
    uint64_t one = 1;
    net->engine_deadline = 0; /* one kick is enough until the engine recomputes */
    if (write(net->wake_fd, &one, sizeof one) != sizeof one) { /* already pending */ }
  }
}

bool exo__net_wait(struct exo_net *net, uint64_t deadline_us) {
  if (deadline_us == 0) {
    pthread_cond_wait(&net->changed, &net->lock);
    return true;
  }
  uint64_t now = exo__sock_now();
  if (now >= deadline_us) return false;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t wait_us = deadline_us - now;
  ts.tv_sec += (time_t)(wait_us / 1000000u);
  ts.tv_nsec += (long)(wait_us % 1000000u) * 1000;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&net->changed, &net->lock, &ts);
  return exo__sock_now() < deadline_us;
}

static void *engine_main(void *arg) {
  struct exo_net *net = arg;
  int dev_fd = exo_dev_fd(&net->dev);
  pthread_mutex_lock(&net->lock);
  while (!net->stopping) {
    uint64_t now = exo__sock_now();
    int processed = exo_stack_poll(net->stack, now);
    mirror_all(net);
    /* Frames were there: more may be waiting, so look again before sleeping. */
    bool more = processed > 0;
    uint64_t deadline = exo_stack_next_deadline(net->stack);
    int timeout_ms;
    if (more) timeout_ms = 0;
    else if (deadline == UINT64_MAX) timeout_ms = dev_fd >= 0 ? -1 : 10;
    else if (deadline <= now) timeout_ms = 0;
    else {
      uint64_t ms = (deadline - now + 999) / 1000;
      timeout_ms = ms > 60000 ? 60000 : (int)ms;
    }
    if (dev_fd < 0 && timeout_ms < 0) timeout_ms = 10; /* a device with no fd is polled */
    net->engine_deadline = timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms * 1000;
    pthread_mutex_unlock(&net->lock);
    struct pollfd pfd[2] = {{.fd = net->wake_fd, .events = POLLIN}, {.fd = dev_fd, .events = POLLIN}};
    if (timeout_ms != 0) poll(pfd, dev_fd >= 0 ? 2 : 1, timeout_ms);
    if (pfd[0].revents & POLLIN) {
      uint64_t v;
      if (read(net->wake_fd, &v, sizeof v) != sizeof v) { /* spurious */ }
    }
    pthread_mutex_lock(&net->lock);
  }
  pthread_mutex_unlock(&net->lock);
  return NULL;
}

struct exo_net *exo_net_create(const struct exo_stack_config *cfg, struct exo_device dev) {
  struct exo_net *net = calloc(1, sizeof *net);
  if (!net) {
    errno = ENOMEM;
    return NULL;
  }
  net->dev = dev;
  net->platform = exo_host_platform();
  net->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&net->changed, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&net->lock, NULL);
  int rc = net->wake_fd < 0 ? -errno
                            : exo_stack_create(&net->platform, cfg, dev, exo__sock_now(), &net->stack);
  if (rc == 0) {
    rc = -pthread_create(&net->engine, NULL, engine_main, net);
    net->engine_running = rc == 0;
  }
  if (rc < 0) {
    exo_net_destroy(net);
    errno = -rc;
    return NULL;
  }
  return net;
}

void exo_net_destroy(struct exo_net *net) {
  if (!net) return;
  if (net->engine_running) {
    pthread_mutex_lock(&net->lock);
    net->stopping = true;
    uint64_t one = 1;
    if (write(net->wake_fd, &one, sizeof one) != sizeof one) { /* pending already */ }
    pthread_mutex_unlock(&net->lock);
    pthread_join(net->engine, NULL);
  }
  for (size_t i = 0; i < net->by_fd_cap; i++) {
    struct exo_sock *s = net->by_fd[i];
    if (!s) continue;
    if (s->tcp) exo_tcp_abort(s->tcp, exo__sock_now());
    if (s->udp) exo_udp_close(s->udp);
    close(s->fd);
    close(s->fd_out);
    free(s);
  }
  for (size_t i = 0; i < net->epolls_cap; i++) {
    if (!net->epolls[i]) continue;
    close(net->epolls[i]->epfd);
    free(net->epolls[i]->regs);
    free(net->epolls[i]);
  }
  free(net->by_fd);
  free(net->epolls);
  exo_stack_destroy(net->stack);
  if (net->wake_fd >= 0) close(net->wake_fd);
  pthread_cond_destroy(&net->changed);
  pthread_mutex_destroy(&net->lock);
  free(net);
}

void exo_net_counters(struct exo_net *net, struct exo_stack_counters *out) {
  pthread_mutex_lock(&net->lock);
  *out = *exo_stack_counters(net->stack);
  pthread_mutex_unlock(&net->lock);
}

void exo_net_locked(struct exo_net *net, void (*fn)(struct exo_stack *st, void *arg), void *arg) {
  pthread_mutex_lock(&net->lock);
  fn(net->stack, arg);
  mirror_all(net);
  exo__net_kick(net);
  pthread_mutex_unlock(&net->lock);
}

struct exo_sock *exo__sock_get(struct exo_net *net, int fd) {
  if (fd >= 0 && (size_t)fd < net->by_fd_cap && net->by_fd[fd]) {
    net->by_fd[fd]->refs++;
    return net->by_fd[fd];
  }
  errno = fcntl(fd, F_GETFD) != -1 ? ENOTSOCK : EBADF;
  return NULL;
}

void exo__sock_put(struct exo_net *net, struct exo_sock *s) {
  (void)net;
  if (--s->refs == 0 && s->closed) free(s);
}

struct exo_sock *exo__sock_begin(struct exo_net *net, int fd) {
  pthread_mutex_lock(&net->lock);
  struct exo_sock *s = exo__sock_get(net, fd);
  if (!s) pthread_mutex_unlock(&net->lock);
  return s;
}

void exo__sock_end(struct exo_net *net, struct exo_sock *s) {
  if (!s->closed) exo__sock_mirror(net, s);
  exo__net_kick(net);
  exo__sock_put(net, s);
  pthread_mutex_unlock(&net->lock);
}

int exo__sock_result(int rc) {
  if (rc >= 0) return rc;
  errno = -rc;
  return -1;
}
