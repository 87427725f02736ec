/* setsockopt/getsockopt, ioctl and fcntl for exonet sockets, with Linux's conventions:
 * SO_RCVBUF/SO_SNDBUF report twice the value set (the kernel's bookkeeping overhead),
 * timeouts are struct timeval, TCP_INFO is struct tcp_info. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sock/sock_int.h"

static int read_int(const void *val, socklen_t len, int *out) {
  if (!val || len < (socklen_t)sizeof(int)) return -EINVAL;
  memcpy(out, val, sizeof *out);
  return 0;
}

static int read_timeval_us(const void *val, socklen_t len, uint64_t *out) {
  struct timeval tv;
  if (!val || len < (socklen_t)sizeof tv) return -EINVAL;
  memcpy(&tv, val, sizeof tv);
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EDOM;
  *out = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
  return 0;
}

static int tcp_opt(struct exo_sock *s, int opt, int value) {
  if (!s->tcp) return -ENOPROTOOPT;
  return exo_tcp_setopt(s->tcp, exo__sock_now(), opt, value);
}

static int set_socket_level(struct exo_sock *s, int name, const void *val, socklen_t len) {
  int v = 0, rc;
  switch (name) {
    case SO_RCVTIMEO:
      return read_timeval_us(val, len, &s->rcvtimeo_us);
    case SO_SNDTIMEO:
      return read_timeval_us(val, len, &s->sndtimeo_us);
    case SO_LINGER: {
      struct linger l;
      if (!val || len < (socklen_t)sizeof l) return -EINVAL;
      memcpy(&l, val, sizeof l);
      if (s->tcp) {
        rc = exo_tcp_setopt(s->tcp, exo__sock_now(), EXO_TCP_SO_LINGER, l.l_onoff ? l.l_linger : -1);
        if (rc < 0) return rc;
      }
      s->linger_onoff = l.l_onoff;
      s->linger_s = l.l_linger;
      return 0;
    }
  }
  if ((rc = read_int(val, len, &v)) < 0) return rc;
  switch (name) {
    case SO_REUSEADDR:
      s->reuseaddr = v != 0;
      return s->tcp ? tcp_opt(s, EXO_TCP_SO_REUSEADDR, v != 0) : 0;
    case SO_REUSEPORT:
      s->reuseport = v != 0; /* one stack per process: nothing to balance across */
      return 0;
    case SO_KEEPALIVE:
      return s->tcp ? tcp_opt(s, EXO_TCP_SO_KEEPALIVE, v != 0) : 0;
    case SO_BROADCAST:
      s->broadcast = v != 0;
      return s->udp ? exo_udp_setopt(s->udp, EXO_UDP_OPT_BROADCAST, v != 0) : 0;
    case SO_RCVBUF:
    case SO_SNDBUF: {
      if (v < 0) v = 0;
      if (v < 2048) v = 2048; /* Linux's floor (SOCK_MIN_RCVBUF is about this) */
      if (v > (1 << 26)) v = 1 << 26;
      if (name == SO_RCVBUF) {
        s->rcvbuf = v;
        if (s->udp) return exo_udp_setopt(s->udp, EXO_UDP_OPT_RCVBUF, (uint32_t)v);
        return tcp_opt(s, EXO_TCP_SO_RCVBUF, v);
      }
      s->sndbuf = v;
      return s->tcp ? tcp_opt(s, EXO_TCP_SO_SNDBUF, v) : 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

static int set_tcp_level(struct exo_sock *s, int name, const void *val, socklen_t len) {
  if (!s->tcp) return -EOPNOTSUPP;
  if (name == TCP_CONGESTION) {
    char algo[16] = {0};
    if (!val || len == 0) return -EINVAL;
    memcpy(algo, val, len < sizeof algo - 1 ? len : sizeof algo - 1);
    if (strcmp(algo, "cubic") == 0) return tcp_opt(s, EXO_TCP_SO_CC, EXO_TCP_CC_CUBIC);
    if (strcmp(algo, "reno") == 0 || strcmp(algo, "newreno") == 0)
      return tcp_opt(s, EXO_TCP_SO_CC, EXO_TCP_CC_NEWRENO);
    return -ENOENT; /* Linux: no such algorithm */
  }
  int v, rc;
  if ((rc = read_int(val, len, &v)) < 0) return rc;
  switch (name) {
    case TCP_NODELAY: return tcp_opt(s, EXO_TCP_SO_NODELAY, v != 0);
    case TCP_KEEPIDLE: return tcp_opt(s, EXO_TCP_SO_KEEPIDLE, v);
    case TCP_KEEPINTVL: return tcp_opt(s, EXO_TCP_SO_KEEPINTVL, v);
    case TCP_KEEPCNT: return tcp_opt(s, EXO_TCP_SO_KEEPCNT, v);
    case TCP_MAXSEG: return tcp_opt(s, EXO_TCP_SO_MAXSEG, v);
    case TCP_QUICKACK: return tcp_opt(s, EXO_TCP_SO_QUICKACK, v != 0);
    default: return -ENOPROTOOPT;
  }
}

int exo_setsockopt(struct exo_net *net, int fd, int level, int name, const void *val,
                   socklen_t len) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc = level == SOL_SOCKET    ? set_socket_level(s, name, val, len)
           : level == IPPROTO_TCP ? set_tcp_level(s, name, val, len)
                                  : -ENOPROTOOPT;
  exo__sock_end(net, s);
  return exo__sock_result(rc);
}

static int put_value(void *val, socklen_t *len, const void *src, size_t size) {
  if (!val || !len) return -EFAULT;
  size_t n = *len < size ? *len : size;
  memcpy(val, src, n);
  *len = (socklen_t)n;
  return 0;
}

static int put_int(void *val, socklen_t *len, int v) { return put_value(val, len, &v, sizeof v); }

static int get_tcp_info(struct exo_sock *s, void *val, socklen_t *len) {
  struct exo_tcp_info in;
  struct tcp_info out;
  memset(&out, 0, sizeof out);
  exo_tcp_get_info(s->tcp, &in);
  out.tcpi_state = in.state;
  out.tcpi_ca_state = in.ca_state;
  out.tcpi_retransmits = (uint8_t)in.retransmits;
  out.tcpi_backoff = in.backoff;
  out.tcpi_options = (in.ts_ok ? TCPI_OPT_TIMESTAMPS : 0) | (in.sack_ok ? TCPI_OPT_SACK : 0) |
                     (in.snd_wscale || in.rcv_wscale ? TCPI_OPT_WSCALE : 0);
  out.tcpi_snd_wscale = in.snd_wscale & 0xf;
  out.tcpi_rcv_wscale = in.rcv_wscale & 0xf;
  out.tcpi_rto = in.rto_us;
  out.tcpi_snd_mss = in.snd_mss;
  out.tcpi_rcv_mss = in.rcv_mss;
  out.tcpi_unacked = in.snd_mss ? in.unacked / in.snd_mss : 0;
  out.tcpi_sacked = in.snd_mss ? in.sacked / in.snd_mss : 0;
  out.tcpi_lost = in.snd_mss ? in.lost / in.snd_mss : 0;
  out.tcpi_rtt = in.rtt_us;
  out.tcpi_rttvar = in.rttvar_us;
  out.tcpi_snd_ssthresh = in.snd_mss ? in.snd_ssthresh / in.snd_mss : 0;
  out.tcpi_snd_cwnd = in.snd_mss ? in.snd_cwnd / in.snd_mss : 0; /* Linux counts segments */
  out.tcpi_advmss = in.rcv_mss;
  out.tcpi_rcv_space = in.rcv_wnd;
  out.tcpi_total_retrans = (uint32_t)in.total_retrans;
  return put_value(val, len, &out, sizeof out);
}

int exo_getsockopt(struct exo_net *net, int fd, int level, int name, void *val,
                   socklen_t *len) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc, v = 0;
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_ERROR:
        v = s->tcp ? exo_tcp_take_error(s->tcp) : exo_udp_take_error(s->udp);
        rc = put_int(val, len, -v);
        break;
      case SO_TYPE: rc = put_int(val, len, s->type); break;
      case SO_DOMAIN: rc = put_int(val, len, AF_INET); break;
      case SO_PROTOCOL: rc = put_int(val, len, s->tcp ? IPPROTO_TCP : IPPROTO_UDP); break;
      case SO_REUSEADDR: rc = put_int(val, len, s->reuseaddr); break;
      case SO_REUSEPORT: rc = put_int(val, len, s->reuseport); break;
      case SO_BROADCAST: rc = put_int(val, len, s->broadcast); break;
      case SO_ACCEPTCONN:
        rc = put_int(val, len, s->tcp && exo_tcp_state(s->tcp) == EXO_TCP_LISTEN);
        break;
      case SO_KEEPALIVE:
        rc = s->tcp ? exo_tcp_getopt(s->tcp, EXO_TCP_SO_KEEPALIVE, &v) : 0;
        if (rc == 0) rc = put_int(val, len, v);
        break;
      case SO_RCVBUF:
      case SO_SNDBUF:
        if (s->tcp) rc = exo_tcp_getopt(s->tcp, name == SO_RCVBUF ? EXO_TCP_SO_RCVBUF : EXO_TCP_SO_SNDBUF, &v);
        else {
          rc = 0;
          v = name == SO_RCVBUF ? (s->rcvbuf ? s->rcvbuf : 212992 / 2) : (s->sndbuf ? s->sndbuf : 212992 / 2);
        }
        if (rc == 0) rc = put_int(val, len, v * 2);
        break;
      case SO_LINGER: {
        struct linger l = {.l_onoff = s->linger_onoff, .l_linger = s->linger_s};
        rc = put_value(val, len, &l, sizeof l);
        break;
      }
      case SO_RCVTIMEO:
      case SO_SNDTIMEO: {
        uint64_t us = name == SO_RCVTIMEO ? s->rcvtimeo_us : s->sndtimeo_us;
        struct timeval tv = {.tv_sec = (time_t)(us / 1000000u), .tv_usec = (suseconds_t)(us % 1000000u)};
        rc = put_value(val, len, &tv, sizeof tv);
        break;
      }
      default: rc = -ENOPROTOOPT;
    }
  } else if (level == IPPROTO_TCP && s->tcp) {
    int opt = -1;
    switch (name) {
      case TCP_INFO: rc = get_tcp_info(s, val, len); goto done;
      case TCP_NODELAY: opt = EXO_TCP_SO_NODELAY; break;
      case TCP_KEEPIDLE: opt = EXO_TCP_SO_KEEPIDLE; break;
      case TCP_KEEPINTVL: opt = EXO_TCP_SO_KEEPINTVL; break;
      case TCP_KEEPCNT: opt = EXO_TCP_SO_KEEPCNT; break;
      case TCP_MAXSEG: opt = EXO_TCP_SO_MAXSEG; break;
      case TCP_QUICKACK: opt = EXO_TCP_SO_QUICKACK; break;
      case TCP_CONGESTION: {
        rc = exo_tcp_getopt(s->tcp, EXO_TCP_SO_CC, &v);
        const char *algo = v == EXO_TCP_CC_NEWRENO ? "reno" : "cubic";
        char buf[16] = {0};
        strcpy(buf, algo);
        if (rc == 0) rc = put_value(val, len, buf, sizeof buf);
        goto done;
      }
    }
    rc = opt < 0 ? -ENOPROTOOPT : exo_tcp_getopt(s->tcp, opt, &v);
    if (rc == 0) rc = put_int(val, len, v);
  } else {
    rc = level == IPPROTO_TCP ? -EOPNOTSUPP : -ENOPROTOOPT;
  }
done:
  exo__sock_end(net, s);
  return exo__sock_result(rc);
}

int exo_ioctl(struct exo_net *net, int fd, unsigned long request, void *arg) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc = 0, v;
  if (!arg) {
    rc = -EFAULT;
  } else if (request == FIONBIO) {
    memcpy(&v, arg, sizeof v);
    s->nonblock = v != 0;
  } else if (request == FIONREAD && s->tcp) {
    if (exo_tcp_state(s->tcp) == EXO_TCP_LISTEN) rc = -EINVAL;
    size_t n = exo_tcp_readable(s->tcp);
    v = n > INT32_MAX ? INT32_MAX : (int)n;
    memcpy(arg, &v, sizeof v);
  } else if (request == FIONREAD) { /* UDP: the size of the next datagram, as Linux */
    size_t n = exo_udp_next_len(s->udp);
    v = (int)n;
    memcpy(arg, &v, sizeof v);
  } else {
    rc = -ENOTTY;
  }
  exo__sock_end(net, s);
  return exo__sock_result(rc);
}

int exo_fcntl(struct exo_net *net, int fd, int cmd, long arg) {
  struct exo_sock *s = exo__sock_begin(net, fd);
  if (!s) return -1;
  int rc;
  switch (cmd) {
    case F_GETFL: rc = O_RDWR | (s->nonblock ? O_NONBLOCK : 0); break;
    case F_SETFL: s->nonblock = (arg & O_NONBLOCK) != 0; rc = 0; break;
    case F_GETFD:
    case F_SETFD: rc = fcntl(s->fd, cmd, arg); if (rc < 0) rc = -errno; break;
    default: rc = -EINVAL;
  }
  exo__sock_end(net, s);
  return exo__sock_result(rc);
}
