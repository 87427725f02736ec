/* exonet-httpget: an HTTP/1.1 client on exonet's user-space stack.
 *
 *   exonet-httpget URL [-o FILE] [--post FILE] [--timeout SECONDS] --tap NAME --addr A/NN [--gw G]
 *
 * GETs (or, with --post, POSTs FILE to) http://ADDRESS[:PORT]/PATH and writes the body to
 * FILE or standard output. Handles Content-Length, chunked and close-delimited bodies.
 * The host must be an IPv4 address (exonet has no DNS resolver yet). Exits 0 on a 2xx
 * answer, 1 with a one-line reason otherwise (connection refused, timed out, ...). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exonet/link.h"

struct reader { /* buffered reads from the connection */
  struct exo_net *net;
  int fd;
  char buf[65536];
  size_t off, len;
};

static ssize_t fill(struct reader *r) {
  if (r->off < r->len) return (ssize_t)(r->len - r->off);
  ssize_t n = exo_recv(r->net, r->fd, r->buf, sizeof r->buf, 0);
  r->off = 0;
  r->len = n > 0 ? (size_t)n : 0;
  return n;
}

/* Reads one CRLF-terminated line (without the CRLF). */
static int read_line(struct reader *r, char *line, size_t cap) {
  size_t n = 0;
  for (;;) {
    if (fill(r) <= 0) return -1;
    char ch = r->buf[r->off++];
    if (ch == '\n') {
      if (n && line[n - 1] == '\r') n--;
      line[n] = '\0';
      return 0;
    }
    if (n + 1 >= cap) return -1;
    line[n++] = ch;
  }
}

/* Copies `len` body bytes (or, with len < 0, everything until the server closes) out. */
static int copy_body(struct reader *r, FILE *out, long long len, long long *total) {
  while (len != 0) {
    ssize_t avail = fill(r);
    if (avail < 0) return -1;
    if (avail == 0) return len < 0 ? 0 : -1; /* closed early: truncated body */
    size_t n = (size_t)avail;
    if (len > 0 && (long long)n > len) n = (size_t)len;
    if (fwrite(r->buf + r->off, 1, n, out) != n) return -1;
    r->off += n;
    *total += (long long)n;
    if (len > 0) len -= (long long)n;
  }
  return 0;
}

static double seconds_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void usage(FILE *out) {
  fprintf(out, "usage: exonet-httpget URL [-o FILE] [--post FILE] [--timeout SECONDS] "
               "--tap NAME --addr A/NN [--gw G]\n%s", exo_link_usage());
}

int main(int argc, char **argv) {
  struct exo_link_options lo = {.dhcp_log = stdout};
  const char *url = NULL, *out_path = NULL, *post_path = NULL;
  long timeout_s = 10;
  char err[256];
  for (int i = 1; i < argc;) {
    int r = exo_link_parse_option(&lo, argc, argv, &i, err, sizeof err);
    if (r < 0) {
      fprintf(stderr, "exonet-httpget: %s\n", err);
      return 2;
    }
    if (r > 0) continue;
    if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      out_path = argv[i + 1];
      i += 2;
    } else if (strcmp(argv[i], "--post") == 0 && i + 1 < argc) {
      post_path = argv[i + 1];
      i += 2;
    } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      char *end;
      timeout_s = strtol(argv[i + 1], &end, 10);
      if (*end || timeout_s < 1 || timeout_s > 3600) {
        fprintf(stderr, "exonet-httpget: --timeout: bad value '%s'\n", argv[i + 1]);
        return 2;
      }
      i += 2;
    } else if (argv[i][0] == '-' || url) {
      fprintf(stderr, "exonet-httpget: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      url = argv[i++];
    }
  }
  char host[64], path[2048] = "/";
  unsigned port = 80;
  if (!url || strncmp(url, "http://", 7) != 0) {
    fprintf(stderr, "exonet-httpget: give an http:// URL\n");
    return 2;
  }
  const char *h = url + 7, *slash = strchr(h, '/'), *colon = strchr(h, ':');
  size_t hlen = slash ? (size_t)(slash - h) : strlen(h);
  if (colon && (!slash || colon < slash)) {
    char *end;
    port = (unsigned)strtoul(colon + 1, &end, 10);
    if (end != (slash ? slash : colon + 1 + strlen(colon + 1)) || port == 0 || port > 65535) {
      fprintf(stderr, "exonet-httpget: bad port in '%s'\n", url);
      return 2;
    }
    hlen = (size_t)(colon - h);
  }
  if (hlen == 0 || hlen >= sizeof host) {
    fprintf(stderr, "exonet-httpget: bad host in '%s'\n", url);
    return 2;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  if (slash) snprintf(path, sizeof path, "%s", slash);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
    fprintf(stderr, "exonet-httpget: '%s' is not an IPv4 address (no DNS resolver yet)\n", host);
    return 2;
  }
  int post_fd = -1;
  struct stat post_st = {0};
  if (post_path && ((post_fd = open(post_path, O_RDONLY)) < 0 || fstat(post_fd, &post_st) != 0)) {
    fprintf(stderr, "exonet-httpget: cannot read %s: %s\n", post_path, strerror(errno));
    return 2;
  }
  FILE *out = out_path ? fopen(out_path, "wb") : stdout;
  if (!out) {
    fprintf(stderr, "exonet-httpget: cannot write %s: %s\n", out_path, strerror(errno));
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct exo_link *link = exo_link_open(&lo, err, sizeof err);
  if (!link) {
    fprintf(stderr, "exonet-httpget: %s\n", err);
    return 1;
  }
  struct exo_net *net = exo_link_net(link);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int status = 1;
  long long total = 0;

  /* Connect without blocking so that the wait is bounded by --timeout. */
  int fd = exo_socket(net, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int rc = exo_connect(net, fd, (struct sockaddr *)&to, sizeof to);
  if (rc != 0 && errno == EINPROGRESS) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (exo_poll(net, &p, 1, (int)timeout_s * 1000) == 0) {
      errno = ETIMEDOUT;
    } else if (exo_getsockopt(net, fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
      rc = 0;
    } else {
      errno = soerr;
    }
  }
  if (rc != 0) {
    fprintf(stderr, "exonet-httpget: connect to %s:%u: %s (%s)\n", host, port, strerror(errno),
            errno == ECONNREFUSED ? "ECONNREFUSED" : errno == ETIMEDOUT ? "ETIMEDOUT"
            : errno == EHOSTUNREACH ? "EHOSTUNREACH" : "error");
    goto out;
  }
  exo_fcntl(net, fd, F_SETFL, 0); /* blocking from here on */
  struct timeval tv = {.tv_sec = timeout_s};
  exo_setsockopt(net, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  char req[4096];
  int n = snprintf(req, sizeof req,
                   "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: exonet-httpget\r\nAccept: */*\r\n"
                   "Connection: close\r\n",
                   post_path ? "POST" : "GET", path, host);
  if (post_path)
    n += snprintf(req + n, sizeof req - (size_t)n,
                  "Content-Type: application/octet-stream\r\nContent-Length: %lld\r\n",
                  (long long)post_st.st_size);
  n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
  if (exo_send(net, fd, req, (size_t)n, 0) != n) goto io_error;
  if (post_path) {
    static char chunk[65536];
    ssize_t got;
    while ((got = read(post_fd, chunk, sizeof chunk)) > 0)
      if (exo_send(net, fd, chunk, (size_t)got, 0) != got) goto io_error;
  }

  static struct reader r;
  r = (struct reader){.net = net, .fd = fd};
  char line[8192];
  int code = 0;
  if (read_line(&r, line, sizeof line) != 0 || sscanf(line, "HTTP/%*d.%*d %d", &code) != 1) {
    fprintf(stderr, "exonet-httpget: no HTTP status line from %s:%u\n", host, port);
    goto out;
  }
  long long length = -1;
  bool chunked = false;
  for (;;) {
    if (read_line(&r, line, sizeof line) != 0) goto io_error;
    if (!line[0]) break;
    if (strncasecmp(line, "Content-Length:", 15) == 0) length = strtoll(line + 15, NULL, 10);
    if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line + 18, "chunked")) chunked = true;
  }
  if (chunked) {
    for (;;) {
      if (read_line(&r, line, sizeof line) != 0) goto io_error;
      long long size = strtoll(line, NULL, 16);
      if (size < 0) goto io_error;
      if (size == 0) break;
      if (copy_body(&r, out, size, &total) != 0 || read_line(&r, line, sizeof line) != 0) goto io_error;
    }
  } else if (copy_body(&r, out, length, &total) != 0) {
    goto io_error;
  }
  if (fflush(out) != 0) goto io_error;
  double secs = seconds_since(&t0);
  fprintf(stderr, "exonet-httpget: HTTP %d, %lld bytes in %.3f s (%.1f Mbit/s)\n", code, total,
          secs, secs > 0 ? (double)total * 8 / secs / 1e6 : 0.0);
  status = code >= 200 && code < 300 ? 0 : 1;
  goto out;
io_error:
  fprintf(stderr, "exonet-httpget: transfer failed after %lld bytes: %s\n", total,
          errno ? strerror(errno) : "connection closed early");
out:
  if (fd >= 0) exo_close(net, fd);
  exo_link_close(link);
  if (out_path && out) fclose(out);
  if (post_fd >= 0) close(post_fd);
  return status;
}
