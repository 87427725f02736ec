/* exonet-httpd: a small HTTP/1.1 file server running on exonet's user-space stack.
 *
 *   exonet-httpd [--port N] [--uploads DIR] DIR --tap NAME (--addr A/NN [--gw G] | --dhcp)
 *
 * Serves the files under DIR (GET, HEAD) with keep-alive, one thread per connection, so
 * that many clients are served at once. With --uploads, a POST to /NAME stores the body
 * in that folder. Everything goes through exonet's Berkeley calls (include/exonet/socket.h)
 * on its own TAP device: the kernel's TCP/IP stack is not involved. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exonet/link.h"

#define REQUEST_MAX 8192

#define MAX_CONNECTIONS 4096

struct server {
  struct exo_net *net;
  const char *root;
  const char *uploads;
  pthread_mutex_t lock; /* guards the list of open connections */
  int active[MAX_CONNECTIONS];
  int nactive;
};

struct conn {
  struct server *srv;
  int fd;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int send_all(struct exo_net *net, int fd, const void *buf, size_t len) {
  return exo_send(net, fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int send_status(struct conn *c, int code, const char *reason, const char *body, bool keep) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n"
                   "Connection: %s\r\n\r\n",
                   code, reason, strlen(body), keep ? "keep-alive" : "close");
  if (send_all(c->srv->net, c->fd, head, (size_t)n) != 0) return -1;
  return send_all(c->srv->net, c->fd, body, strlen(body));
}

/* Maps a request path to a file under root; refuses anything that climbs out of it. */
static int resolve(const char *root, const char *path, char *out, size_t cap) {
  if (path[0] != '/' || strstr(path, "/../") || strcmp(path + strlen(path) - (strlen(path) >= 3 ? 3 : 0), "/..") == 0)
    return -1;
  char clean[1024];
  size_t n = strcspn(path, "?#");
  if (n >= sizeof clean) return -1;
  memcpy(clean, path, n);
  clean[n] = '\0';
  int w = snprintf(out, cap, "%s%s", root, clean);
  if (w < 0 || (size_t)w >= cap) return -1;
  struct stat st;
  if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
    if ((size_t)w + 11 >= cap) return -1;
    strcat(out, "/index.html");
  }
  return 0;
}

static int serve_file(struct conn *c, const char *path, bool head_only, bool keep) {
  char file[4096];
  if (resolve(c->srv->root, path, file, sizeof file) != 0)
    return send_status(c, 400, "Bad Request", "bad path\n", keep);
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return send_status(c, 404, "Not Found", "not found\n", keep);
  }
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
                   "Content-Type: application/octet-stream\r\nConnection: %s\r\n\r\n",
                   (long long)st.st_size, keep ? "keep-alive" : "close");
  int rc = send_all(c->srv->net, c->fd, head, (size_t)n);
  static const size_t chunk = 64 * 1024;
  char *buf = malloc(chunk);
  for (off_t left = head_only ? 0 : st.st_size; rc == 0 && left > 0;) {
    ssize_t got = read(fd, buf, chunk);
    if (got <= 0) {
      rc = -1; /* the file shrank under us: the length we promised is now a lie */
      break;
    }
    rc = send_all(c->srv->net, c->fd, buf, (size_t)got);
    left -= got;
  }
  free(buf);
  close(fd);
  return rc;
}

/* Reads exactly `len` body bytes, starting with `have` already buffered, into a file. */
static int receive_upload(struct conn *c, const char *path, const char *buffered, size_t have,
                          long long len, bool keep) {
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  if (!*name || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
    return send_status(c, 400, "Bad Request", "bad upload name\n", keep);
  char file[4096];
  snprintf(file, sizeof file, "%s/%s", c->srv->uploads, name);
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return send_status(c, 500, "Internal Server Error", "cannot store upload\n", false);
  long long done = 0;
  int rc = 0;
  size_t first = have < (size_t)len ? have : (size_t)len;
  if (first && write(fd, buffered, first) != (ssize_t)first) rc = -1;
  done += (long long)first;
  char *buf = malloc(65536);
  while (rc == 0 && done < len) {
    size_t want = len - done < 65536 ? (size_t)(len - done) : 65536;
    ssize_t n = exo_recv(c->srv->net, c->fd, buf, want, 0);
    if (n <= 0 || write(fd, buf, (size_t)n) != n) rc = -1;
    else done += n;
  }
  free(buf);
  close(fd);
  if (rc != 0) return -1;
  char msg[64];
  snprintf(msg, sizeof msg, "stored %lld bytes\n", done);
  return send_status(c, 201, "Created", msg, keep);
}

static const char *header_value(char *headers, const char *name) {
  size_t n = strlen(name);
  for (char *line = headers; line && *line;) {
    char *next = strstr(line, "\r\n");
    if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
      char *v = line + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      return v;
    }
    line = next ? next + 2 : NULL;
  }
  return NULL;
}

static void *connection_main(void *arg) {
  struct conn *c = arg;
  struct exo_net *net = c->srv->net;
  struct timeval idle = {.tv_sec = 30};
  exo_setsockopt(net, c->fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
  char req[REQUEST_MAX + 1];
  size_t have = 0;
  for (;;) {
    char *end;
    while (!(end = (req[have] = '\0', strstr(req, "\r\n\r\n")))) {
      if (have == REQUEST_MAX) {
        send_status(c, 431, "Request Header Fields Too Large", "request too large\n", false);
        goto done;
      }
      ssize_t n = exo_recv(net, c->fd, req + have, REQUEST_MAX - have, 0);
      if (n <= 0) goto done; /* client closed, idle timeout or reset */
      have += (size_t)n;
    }
    *end = '\0';
    size_t head_len = (size_t)(end - req) + 4;
    char method[16], path[2048], version[16];
    if (sscanf(req, "%15s %2047s %15s", method, path, version) != 3) {
      send_status(c, 400, "Bad Request", "malformed request line\n", false);
      goto done;
    }
    char *headers = strstr(req, "\r\n");
    headers = headers ? headers + 2 : req + strlen(req);
    const char *conn_hdr = header_value(headers, "Connection");
    bool http11 = strcmp(version, "HTTP/1.1") == 0;
    bool keep = http11 ? !(conn_hdr && strncasecmp(conn_hdr, "close", 5) == 0)
                       : (conn_hdr && strncasecmp(conn_hdr, "keep-alive", 10) == 0);
    int rc;
    size_t consumed = head_len;
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
      rc = serve_file(c, path, method[0] == 'H', keep);
    } else if (strcmp(method, "POST") == 0 && c->srv->uploads) {
      const char *cl = header_value(headers, "Content-Length");
      long long len = cl ? strtoll(cl, NULL, 10) : -1;
      if (len < 0) {
        send_status(c, 411, "Length Required", "Content-Length required\n", false);
        goto done;
      }
      size_t body_have = have - head_len;
      rc = receive_upload(c, path, req + head_len, body_have, len, keep);
      consumed += body_have < (size_t)len ? body_have : (size_t)len;
    } else {
      rc = send_status(c, 405, "Method Not Allowed", "method not allowed\n", false);
      keep = false;
    }
    if (rc != 0 || !keep) break;
    memmove(req, req + consumed, have - consumed); /* a pipelined next request */
    have -= consumed;
  }
done:
  pthread_mutex_lock(&c->srv->lock);
  for (int i = 0; i < c->srv->nactive; i++)
    if (c->srv->active[i] == c->fd) c->srv->active[i] = c->srv->active[--c->srv->nactive];
  exo_close(net, c->fd);
  pthread_mutex_unlock(&c->srv->lock);
  free(c);
  return NULL;
}

/* Ends every connection (their blocked calls return) and waits for their threads. */
static void drain_connections(struct server *srv) {
  pthread_mutex_lock(&srv->lock);
  for (int i = 0; i < srv->nactive; i++) exo_shutdown(srv->net, srv->active[i], SHUT_RDWR);
  pthread_mutex_unlock(&srv->lock);
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    pthread_mutex_lock(&srv->lock);
    int left = srv->nactive;
    pthread_mutex_unlock(&srv->lock);
    if (left == 0) return;
    usleep(10000);
  }
  fprintf(stderr, "exonet-httpd: connections still busy after 5 s; exiting anyway\n");
  exit(1);
}

static void usage(FILE *out) {
  fprintf(out, "usage: exonet-httpd [--port N] [--uploads DIR] DIR --tap NAME --addr A/NN [--gw G]\n"
               "serves the files under DIR over exonet's user-space TCP/IP stack\n%s",
          exo_link_usage());
}

int main(int argc, char **argv) {
  struct exo_link_options lo = {.dhcp_log = stdout};
  static struct server srv = {.lock = PTHREAD_MUTEX_INITIALIZER};
  long port = 80;
  char err[256];
  for (int i = 1; i < argc;) {
    int r = exo_link_parse_option(&lo, argc, argv, &i, err, sizeof err);
    if (r < 0) {
      fprintf(stderr, "exonet-httpd: %s\n", err);
      return 2;
    }
    if (r > 0) continue;
    if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char *end;
      port = strtol(argv[i + 1], &end, 10);
      if (*end || port < 1 || port > 65535) {
        fprintf(stderr, "exonet-httpd: --port: bad port '%s'\n", argv[i + 1]);
        return 2;
      }
      i += 2;
    } else if (strcmp(argv[i], "--uploads") == 0 && i + 1 < argc) {
      srv.uploads = argv[i + 1];
      i += 2;
    } else if (argv[i][0] == '-' || srv.root) {
      fprintf(stderr, "exonet-httpd: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      srv.root = argv[i++];
    }
  }
  struct stat st;
  if (!srv.root || stat(srv.root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "exonet-httpd: give the folder to serve (%s is not one)\n",
            srv.root ? srv.root : "nothing");
    return 2;
  }
  struct exo_link *link = exo_link_open(&lo, err, sizeof err);
  if (!link) {
    fprintf(stderr, "exonet-httpd: %s\n", err);
    return 1;
  }
  srv.net = exo_link_net(link);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  int lfd = exo_socket(srv.net, AF_INET, SOCK_STREAM, 0);
  int one = 1;
  exo_setsockopt(srv.net, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (exo_bind(srv.net, lfd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      exo_listen(srv.net, lfd, 512) != 0) {
    fprintf(stderr, "exonet-httpd: cannot listen on port %ld: %s\n", port, strerror(errno));
    exo_link_close(link);
    return 1;
  }
  char ip[INET_ADDRSTRLEN];
  struct in_addr a = {.s_addr = htonl(exo_link_addr(link))};
  printf("exonet-httpd: serving %s on http://%s:%ld/\n", srv.root,
         inet_ntop(AF_INET, &a, ip, sizeof ip), port);
  fflush(stdout);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  while (!stop_requested) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (exo_poll(srv.net, &p, 1, 200) <= 0) continue; /* wake up to check for a signal */
    int fd = exo_accept(srv.net, lfd, NULL, NULL);
    if (fd < 0) continue;
    struct conn *c = malloc(sizeof *c);
    pthread_t th;
    pthread_mutex_lock(&srv.lock);
    if (!c || srv.nactive == MAX_CONNECTIONS) {
      exo_close(srv.net, fd);
      free(c);
      pthread_mutex_unlock(&srv.lock);
      continue;
    }
    *c = (struct conn){.srv = &srv, .fd = fd};
    srv.active[srv.nactive++] = fd;
    if (pthread_create(&th, &attr, connection_main, c) != 0) {
      exo_close(srv.net, fd);
      srv.nactive--;
      free(c);
    }
    pthread_mutex_unlock(&srv.lock);
  }
  printf("exonet-httpd: stopping\n");
  drain_connections(&srv);
  exo_close(srv.net, lfd);
  exo_link_close(link); /* aborts connections still open, flushes the capture */
  return 0;
}
