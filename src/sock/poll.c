/* poll, select and epoll over exonet sockets and ordinary fds together.
 *
 * The kernel does the sleeping: an exonet socket is represented by its eventfd (readable
 * while the socket is readable or failed) and its internal writability eventfd. After
 * the kernel reports, readiness is re-evaluated from the socket itself under the lock,
 * so what the caller sees is the socket's true state, with Linux's POLLERR/POLLHUP/
 * POLLRDHUP bits. Spurious kernel wake-ups (a race with another thread) just loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sock/sock_int.h"

#define KIND_PLAIN 0u
#define KIND_IN 1u
#define KIND_OUT 2u

static uint64_t remaining_ms_deadline(int timeout_ms) {
  return timeout_ms < 0 ? 0 : exo__sock_now() + (uint64_t)timeout_ms * 1000u;
}

/* -1 = forever, else the milliseconds left (0 when past). */
static int ms_left(uint64_t deadline) {
  if (deadline == 0) return -1;
  uint64_t now = exo__sock_now();
  if (now >= deadline) return 0;
  return (int)((deadline - now + 999) / 1000);
}

static struct exo_sock *lookup(struct exo_net *net, int fd) {
  return fd >= 0 && (size_t)fd < net->by_fd_cap ? net->by_fd[fd] : NULL;
}

int exo_poll(struct exo_net *net, struct pollfd *fds, nfds_t nfds, int timeout_ms) {
  if (nfds > 65536) {
    errno = EINVAL;
    return -1;
  }
  struct pollfd *k = calloc(nfds * 2 + 1, sizeof *k);
  nfds_t *owner = calloc(nfds * 2 + 1, sizeof *owner);
  bool *exo_entry = calloc(nfds * 2 + 1, sizeof *exo_entry); /* kernel entry stands for a socket */
  if (!k || !owner || !exo_entry) {
    free(k);
    free(owner);
    free(exo_entry);
    errno = ENOMEM;
    return -1;
  }
  uint64_t deadline = remaining_ms_deadline(timeout_ms);
  int ready;
  for (;;) {
    nfds_t nk = 0;
    ready = 0;
    pthread_mutex_lock(&net->lock);
    for (nfds_t i = 0; i < nfds; i++) {
      fds[i].revents = 0;
      struct exo_sock *s = lookup(net, fds[i].fd);
      if (s) {
        exo__sock_mirror(net, s);
        uint32_t ev = exo__sock_events(s) & ((uint32_t)fds[i].events | POLLERR | POLLHUP);
        fds[i].revents = (short)ev;
        k[nk] = (struct pollfd){.fd = s->fd, .events = POLLIN};
        exo_entry[nk] = true;
        owner[nk++] = i;
        if (fds[i].events & POLLOUT) {
          k[nk] = (struct pollfd){.fd = s->fd_out, .events = POLLIN};
          exo_entry[nk] = true;
          owner[nk++] = i;
        }
      } else {
        k[nk] = fds[i];
        exo_entry[nk] = false;
        owner[nk++] = i;
      }
      if (fds[i].revents) ready++;
    }
    pthread_mutex_unlock(&net->lock);
    int left = ready ? 0 : ms_left(deadline);
    int n = poll(k, nk, left);
    if (n < 0) {
      ready = -1;
      break;
    }
    /* Ordinary fds take the kernel's answer; exonet sockets were evaluated above and
     * are evaluated again on the next turn if the kernel says they moved. */
    bool moved = false;
    for (nfds_t j = 0; j < nk; j++) {
      nfds_t i = owner[j];
      if (!exo_entry[j]) {
        if (!fds[i].revents && k[j].revents) ready++;
        fds[i].revents = k[j].revents;
      } else if (k[j].revents) {
        moved = true;
      }
    }
    if (ready || (!moved && ms_left(deadline) == 0)) break;
  }
  free(k);
  free(owner);
  free(exo_entry);
  return ready;
}

int exo_select(struct exo_net *net, int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
               struct timeval *timeout) {
  if (nfds < 0 || nfds > FD_SETSIZE) {
    errno = EINVAL;
    return -1;
  }
  struct pollfd *p = calloc((size_t)nfds + 1, sizeof *p);
  if (!p) {
    errno = ENOMEM;
    return -1;
  }
  nfds_t n = 0;
  for (int fd = 0; fd < nfds; fd++) {
    short ev = 0;
    if (rd && FD_ISSET(fd, rd)) ev |= POLLIN;
    if (wr && FD_ISSET(fd, wr)) ev |= POLLOUT;
    if (ex && FD_ISSET(fd, ex)) ev |= POLLPRI;
    if (ev) p[n++] = (struct pollfd){.fd = fd, .events = ev};
  }
  int timeout_ms = -1;
  uint64_t start = exo__sock_now();
  if (timeout) {
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
      free(p);
      errno = EINVAL;
      return -1;
    }
    uint64_t ms = (uint64_t)timeout->tv_sec * 1000u + ((uint64_t)timeout->tv_usec + 999) / 1000;
    timeout_ms = ms > INT32_MAX ? INT32_MAX : (int)ms;
  }
  int rc = exo_poll(net, p, n, timeout_ms);
  if (rc < 0) {
    free(p);
    return -1;
  }
  if (rd) FD_ZERO(rd);
  if (wr) FD_ZERO(wr);
  if (ex) FD_ZERO(ex);
  int count = 0;
  for (nfds_t i = 0; i < n; i++) {
    if (p[i].revents & POLLNVAL) {
      free(p);
      errno = EBADF;
      return -1;
    }
    /* As Linux: errors and hang-ups make a descriptor readable and writable. */
    if (rd && (p[i].events & POLLIN) && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
      FD_SET(p[i].fd, rd);
      count++;
    }
    if (wr && (p[i].events & POLLOUT) && (p[i].revents & (POLLOUT | POLLERR))) {
      FD_SET(p[i].fd, wr);
      count++;
    }
    if (ex && (p[i].events & POLLPRI) && (p[i].revents & POLLPRI)) {
      FD_SET(p[i].fd, ex);
      count++;
    }
  }
  if (timeout) { /* Linux reports the time not slept */
    uint64_t spent = exo__sock_now() - start;
    uint64_t total = (uint64_t)timeout->tv_sec * 1000000u + (uint64_t)timeout->tv_usec;
    uint64_t left = spent >= total ? 0 : total - spent;
    timeout->tv_sec = (time_t)(left / 1000000u);
    timeout->tv_usec = (suseconds_t)(left % 1000000u);
  }
  free(p);
  return count;
}

/* ---- epoll ------------------------------------------------------------------------- */

struct exo_epoll *exo__epoll_get(struct exo_net *net, int fd) {
  return fd >= 0 && (size_t)fd < net->epolls_cap ? net->epolls[fd] : NULL;
}

static struct exo_epoll_reg *find_reg(struct exo_epoll *ep, int fd) {
  for (size_t i = 0; i < ep->count; i++)
    if (ep->regs[i].fd == fd) return &ep->regs[i];
  return NULL;
}

void exo__epoll_forget_fd(struct exo_net *net, int fd) {
  for (size_t e = 0; e < net->epolls_cap; e++) {
    struct exo_epoll *ep = net->epolls[e];
    struct exo_epoll_reg *r = ep ? find_reg(ep, fd) : NULL;
    if (r) *r = ep->regs[--ep->count];
  }
}

int exo_epoll_create(struct exo_net *net) {
  struct exo_epoll *ep = calloc(1, sizeof *ep);
  if (!ep) {
    errno = ENOMEM;
    return -1;
  }
  ep->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (ep->epfd < 0) {
    int err = errno;
    free(ep);
    errno = err;
    return -1;
  }
  pthread_mutex_lock(&net->lock);
  if ((size_t)ep->epfd >= net->epolls_cap) {
    size_t cap = net->epolls_cap ? net->epolls_cap : 64;
    while (cap <= (size_t)ep->epfd) cap *= 2;
    struct exo_epoll **grown = realloc(net->epolls, cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&net->lock);
      close(ep->epfd);
      free(ep);
      errno = ENOMEM;
      return -1;
    }
    memset(grown + net->epolls_cap, 0, (cap - net->epolls_cap) * sizeof *grown);
    net->epolls = grown;
    net->epolls_cap = cap;
  }
  net->epolls[ep->epfd] = ep;
  pthread_mutex_unlock(&net->lock);
  return ep->epfd;
}

/* Brings the kernel registrations of an exonet socket in line with reg (lock held). */
static int sync_exo_reg(struct exo_epoll *ep, struct exo_sock *s, const struct exo_epoll_reg *reg,
                        int op) {
  uint32_t et = reg->events & EPOLLET;
  bool armed = !reg->disarmed;
  struct epoll_event in = {.events = (armed ? EPOLLIN : 0) | et,
                           .data.u64 = (uint64_t)(uint32_t)s->fd | ((uint64_t)KIND_IN << 32)};
  struct epoll_event out = {.events = (armed && (reg->events & EPOLLOUT) ? EPOLLIN : 0) | et,
                            .data.u64 = (uint64_t)(uint32_t)s->fd | ((uint64_t)KIND_OUT << 32)};
  if (op == EPOLL_CTL_DEL) {
    epoll_ctl(ep->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    epoll_ctl(ep->epfd, EPOLL_CTL_DEL, s->fd_out, NULL);
    return 0;
  }
  if (epoll_ctl(ep->epfd, op, s->fd, &in) != 0) return -errno;
  if (epoll_ctl(ep->epfd, op, s->fd_out, &out) != 0) return -errno;
  return 0;
}

int exo_epoll_ctl(struct exo_net *net, int epfd, int op, int fd, struct epoll_event *ev) {
  pthread_mutex_lock(&net->lock);
  struct exo_epoll *ep = exo__epoll_get(net, epfd);
  int rc = 0;
  struct exo_sock *s = lookup(net, fd);
  struct exo_epoll_reg *reg = ep ? find_reg(ep, fd) : NULL;
  if (!ep) rc = epfd >= 0 ? -EINVAL : -EBADF;
  else if (fd == epfd) rc = -EINVAL;
  else if (op != EPOLL_CTL_DEL && !ev) rc = -EFAULT;
  else if (op == EPOLL_CTL_ADD && reg) rc = -EEXIST;
  else if (op != EPOLL_CTL_ADD && !reg) rc = -ENOENT;
  else if (op == EPOLL_CTL_ADD) {
    if (ep->count == ep->cap) {
      size_t cap = ep->cap ? ep->cap * 2 : 16;
      struct exo_epoll_reg *grown = realloc(ep->regs, cap * sizeof *grown);
      if (!grown) rc = -ENOMEM;
      else {
        ep->regs = grown;
        ep->cap = cap;
      }
    }
    if (rc == 0) {
      struct exo_epoll_reg r = {.fd = fd, .events = ev->events, .data = ev->data, .exo = s != NULL};
      if (s) {
        rc = sync_exo_reg(ep, s, &r, EPOLL_CTL_ADD);
      } else {
        struct epoll_event kev = {.events = ev->events, .data.u64 = (uint64_t)(uint32_t)fd};
        if (epoll_ctl(ep->epfd, EPOLL_CTL_ADD, fd, &kev) != 0) rc = -errno;
      }
      if (rc == 0) ep->regs[ep->count++] = r;
    }
  } else if (op == EPOLL_CTL_MOD) {
    reg->events = ev->events;
    reg->data = ev->data;
    reg->disarmed = false;
    if (s) rc = sync_exo_reg(ep, s, reg, EPOLL_CTL_MOD);
    else {
      struct epoll_event kev = {.events = ev->events, .data.u64 = (uint64_t)(uint32_t)fd};
      if (epoll_ctl(ep->epfd, EPOLL_CTL_MOD, fd, &kev) != 0) rc = -errno;
    }
  } else if (op == EPOLL_CTL_DEL) {
    if (s) sync_exo_reg(ep, s, reg, EPOLL_CTL_DEL);
    else if (epoll_ctl(ep->epfd, EPOLL_CTL_DEL, fd, NULL) != 0) rc = -errno;
    *reg = ep->regs[--ep->count];
  } else {
    rc = -EINVAL;
  }
  if (s && rc == 0) exo__sock_mirror(net, s);
  pthread_mutex_unlock(&net->lock);
  if (rc < 0) {
    errno = -rc;
    return -1;
  }
  return 0;
}

int exo_epoll_wait(struct exo_net *net, int epfd, struct epoll_event *events, int max,
                   int timeout_ms) {
  if (max <= 0 || max > (1 << 20)) {
    errno = EINVAL;
    return -1;
  }
  pthread_mutex_lock(&net->lock);
  struct exo_epoll *ep = exo__epoll_get(net, epfd);
  int kfd = ep ? ep->epfd : -1;
  pthread_mutex_unlock(&net->lock);
  if (kfd < 0) {
    errno = EBADF;
    return -1;
  }
  struct epoll_event *k = calloc((size_t)max * 2, sizeof *k);
  int *out_fd = calloc((size_t)max, sizeof *out_fd); /* which fd each reported event is */
  if (!k || !out_fd) {
    free(k);
    free(out_fd);
    errno = ENOMEM;
    return -1;
  }
  uint64_t deadline = remaining_ms_deadline(timeout_ms);
  int out = 0;
  for (;;) {
    int n = epoll_wait(kfd, k, max * 2, ms_left(deadline));
    if (n < 0) {
      out = -1;
      break;
    }
    pthread_mutex_lock(&net->lock);
    ep = exo__epoll_get(net, epfd);
    for (int i = 0; ep && i < n; i++) {
      int fd = (int)(uint32_t)k[i].data.u64;
      uint32_t kind = (uint32_t)(k[i].data.u64 >> 32);
      struct exo_epoll_reg *reg = find_reg(ep, fd);
      if (!reg) continue; /* removed meanwhile */
      uint32_t ev;
      if (kind == KIND_PLAIN) {
        ev = k[i].events;
      } else {
        struct exo_sock *s = lookup(net, fd);
        if (!s || reg->disarmed) continue;
        exo__sock_mirror(net, s);
        ev = exo__sock_events(s) & (reg->events | EPOLLERR | EPOLLHUP);
      }
      if (!ev) continue;
      int slot = -1;
      for (int j = 0; j < out; j++)
        if (out_fd[j] == fd) slot = j;
      if (slot < 0) {
        if (out == max) continue;
        slot = out++;
        out_fd[slot] = fd;
        events[slot].events = 0;
        events[slot].data = reg->data;
      }
      events[slot].events |= ev;
      if (kind != KIND_PLAIN && (reg->events & EPOLLONESHOT)) {
        reg->disarmed = true;
        struct exo_sock *s = lookup(net, fd);
        if (s) sync_exo_reg(ep, s, reg, EPOLL_CTL_MOD);
      }
    }
    pthread_mutex_unlock(&net->lock);
    if (out > 0 || ms_left(deadline) == 0) break;
  }
  free(k);
  free(out_fd);
  return out;
}
