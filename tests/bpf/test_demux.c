/* The demultiplexer: port / address+port / 4-tuple filters are served from shape tables
 * (few shapes however many filters), and for every frame of the shared captures the owners
 * it reports are exactly those whose programs exo_bpf_run() accepts, for a mix of fast and
 * general filters, before and after removals; adding and removing from one thread while
 * another matches is safe (run this under ASan/TSan). */
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "exonet/demux.h"
#include "exonet/errno.h"
#include "harness.h"

static void *t_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void t_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }
static void t_rand(void *ctx, void *buf, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++) ((uint8_t *)buf)[i] = (uint8_t)rand();
}
static const struct exo_platform plat = {t_alloc, t_free, t_rand, NULL};

static struct exo_bpf_prog compile(const char *expr) {
  struct exo_bpf_prog p;
  char err[512];
  if (exo_bpf_compile(expr, 262144, &p, err, sizeof err) != 0) {
    exo_test_fail(__FILE__, __LINE__, "compile '%s': %s", expr, err);
    p.insns = NULL;
    p.len = 0;
  }
  return p;
}

/* An Ethernet + IPv4 (IHL 5) + UDP or TCP frame. */
static size_t make_frame(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
                         uint16_t dport) {
  memset(f, 0, 80);
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  size_t l4 = proto == 6 ? 20 : 8;
  ip[2] = (uint8_t)((20 + l4 + 4) >> 8);
  ip[3] = (uint8_t)(20 + l4 + 4);
  ip[8] = 64;
  ip[9] = proto;
  for (int i = 0; i < 4; i++) {
    ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
    ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
  }
  uint8_t *th = ip + 20;
  th[0] = (uint8_t)(sport >> 8);
  th[1] = (uint8_t)sport;
  th[2] = (uint8_t)(dport >> 8);
  th[3] = (uint8_t)dport;
  if (proto == 6) th[12] = 0x50;
  return 14 + 20 + l4 + 4;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

EXO_TEST(port_filters_share_few_shapes) {
  struct exo_demux *d = exo_demux_create(&plat);
  EXO_CHECK(d != NULL);
  char expr[128];
  uint32_t ids[3000];
  for (int i = 0; i < 1000; i++) {
    snprintf(expr, sizeof expr, "udp dst port %d", 1000 + i);
    struct exo_bpf_prog p = compile(expr);
    EXO_CHECK_EQ(exo_demux_add(d, p.insns, p.len, (uint32_t)i, &ids[i], NULL), 0);
    exo_bpf_prog_free(&p);
    snprintf(expr, sizeof expr, "tcp dst port %d and dst host 10.0.%d.%d", 2000 + i, i / 250, i % 250);
    p = compile(expr);
    EXO_CHECK_EQ(exo_demux_add(d, p.insns, p.len, 10000u + (uint32_t)i, &ids[1000 + i], NULL), 0);
    exo_bpf_prog_free(&p);
    snprintf(expr, sizeof expr,
             "tcp and src host 192.168.0.%d and src port %d and dst host 10.0.0.1 and dst port 80",
             i % 250, 30000 + i);
    p = compile(expr);
    EXO_CHECK_EQ(exo_demux_add(d, p.insns, p.len, 20000u + (uint32_t)i, &ids[2000 + i], NULL), 0);
    exo_bpf_prog_free(&p);
  }
  struct exo_demux_stats st;
  exo_demux_get_stats(d, &st);
  EXO_CHECK_EQ(st.filters, 3000);
  EXO_CHECK_EQ(st.fast, 3000);
  EXO_CHECK_EQ(st.general, 0);
  printf("  3000 filters -> %u shapes\n", st.shapes);
  EXO_CHECK(st.shapes <= 8);

  uint8_t f[128];
  uint32_t owners[8];
  size_t n = make_frame(f, 17, 0x01020304, 0x05060708, 9, 1500);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 1);
  EXO_CHECK_EQ(owners[0], 500);
  n = make_frame(f, 17, 0x01020304, 0x05060708, 9, 999);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 0);
  n = make_frame(f, 6, 0x01020304, 0x0a000105, 9, 2255); /* 10.0.1.5 port 2255: i = 255 */
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 1);
  EXO_CHECK_EQ(owners[0], 10255);
  n = make_frame(f, 6, 0x01020304, 0x0a000106, 9, 2255); /* wrong address */
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 0);
  n = make_frame(f, 6, 0xc0a80007, 0x0a000001, 30007, 80);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 1);
  EXO_CHECK_EQ(owners[0], 20007);
  n = make_frame(f, 6, 0xc0a80007, 0x0a000001, 30008, 80);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 0);
  /* A fragment (offset != 0) must not match, as in the program. */
  n = make_frame(f, 17, 0x01020304, 0x05060708, 9, 1500);
  f[14 + 6] = 0x00;
  f[14 + 7] = 0x10;
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 0);
  /* Truncated before the port: the load fails, no match. */
  n = make_frame(f, 17, 0x01020304, 0x05060708, 9, 1500);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, 14 + 20 + 3, owners, 8), 0);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, 14 + 20 + 4, owners, 8), 1);

  for (int i = 0; i < 3000; i++) EXO_CHECK_EQ(exo_demux_remove(d, ids[i]), 0);
  EXO_CHECK_EQ(exo_demux_remove(d, ids[0]), -EXO_ENOENT);
  EXO_CHECK_EQ(exo_demux_remove(d, 0), -EXO_ENOENT);
  exo_demux_get_stats(d, &st);
  EXO_CHECK_EQ(st.filters, 0);
  EXO_CHECK_EQ(st.shapes, 0);
  n = make_frame(f, 17, 0x01020304, 0x05060708, 9, 1500);
  EXO_CHECK_EQ(exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, 8), 0);
  exo_demux_destroy(d);
}

EXO_TEST(verify_errors_and_owner_overflow) {
  struct exo_demux *d = exo_demux_create(&plat);
  struct exo_bpf_insn bad[] = {{EXO_BPF_LD | EXO_BPF_MEM, 0, 0, 0}, {EXO_BPF_RET | EXO_BPF_A, 0, 0, 0}};
  struct exo_bpf_verdict why;
  uint32_t id;
  EXO_CHECK_EQ(exo_demux_add(d, bad, 2, 1, &id, &why), -EXO_EINVAL);
  EXO_CHECK_EQ(why.reason, EXO_BPF_EMEM_UNINIT);
  struct exo_bpf_insn all[] = {{EXO_BPF_RET | EXO_BPF_K, 0, 0, 1}};
  for (uint32_t o = 0; o < 5; o++) EXO_CHECK_EQ(exo_demux_add(d, all, 1, o, &id, NULL), 0);
  EXO_CHECK_EQ(exo_demux_add(d, all, 1, 4, &id, NULL), 0); /* same owner twice */
  uint32_t owners[5];
  uint8_t f[1] = {0};
  EXO_CHECK_EQ(exo_demux_match(d, f, 1, 1, owners, 5), 5);
  EXO_CHECK_EQ(exo_demux_match(d, f, 1, 1, owners, 4), -EXO_ENOSPC);
  exo_demux_destroy(d);
}

/* Owners reported by the demux vs each program run alone, for every frame of `path`. */
static long compare_on_capture(struct exo_demux *d, struct exo_bpf_prog *progs, bool *installed,
                               size_t nprogs, const char *path, long *matches) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p) return 0;
  struct pcap_pkthdr *h;
  const unsigned char *data;
  long frames = 0;
  uint32_t got[1024], want[1024];
  while (pcap_next_ex(p, &h, &data) == 1) {
    frames++;
    size_t nw = 0;
    for (size_t i = 0; i < nprogs; i++)
      if (installed[i] && exo_bpf_run(progs[i].insns, progs[i].len, data, h->len, h->caplen))
        want[nw++] = (uint32_t)i;
    int ng = exo_demux_match(d, data, h->len, h->caplen, got, 1024);
    *matches += nw;
    if (ng != (int)nw) {
      exo_test_fail(__FILE__, __LINE__, "%s frame %ld: demux %d owners, programs %zu", path,
                    frames, ng, nw);
      break;
    }
    qsort(got, nw, sizeof got[0], cmp_u32);
    if (memcmp(got, want, nw * sizeof got[0]) != 0) {
      exo_test_fail(__FILE__, __LINE__, "%s frame %ld: owners differ", path, frames);
      break;
    }
  }
  pcap_close(p);
  return frames;
}

EXO_TEST(same_owners_as_the_programs_on_all_captures) {
  const char *dir = exo_test_pcap_dir();
  const char *srcdir = getenv("EXONET_SOURCE_DIR");
  if (!dir || !srcdir) exo_test_skip_all("needs EXONET_PCAP_DIR and EXONET_SOURCE_DIR");
  /* Filters: every expression of the differential list, plus port, address+port and
   * 4-tuple filters built from ports and addresses that occur in the captures. */
  enum { MAXP = 1024 };
  static struct exo_bpf_prog progs[MAXP];
  static bool installed[MAXP];
  static uint32_t ids[MAXP];
  size_t np = 0;
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/bpf/diff_exprs.txt", srcdir);
  FILE *ef = fopen(path, "r");
  EXO_CHECK(ef != NULL);
  char line[512];
  while (ef && fgets(line, sizeof line, ef) && np < MAXP) {
    line[strcspn(line, "\n")] = '\0';
    if (!line[0] || line[0] == '#') continue;
    progs[np++] = compile(line);
  }
  if (ef) fclose(ef);
  static const int ports[] = {53, 80, 443, 22, 123, 161, 67, 68, 179, 520, 514, 500, 1812, 5353, 137, 138, 139, 445, 8080, 21, 25, 110, 2049, 111};
  static const char *hosts[] = {"10.0.0.1", "192.168.1.1", "10.0.0.2", "192.168.1.2", "172.16.1.1", "10.1.1.1", "192.168.0.1", "224.0.0.5"};
  char expr[256];
  for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
    for (int proto = 0; proto < 2; proto++) {
      const char *pn = proto ? "tcp" : "udp";
      snprintf(expr, sizeof expr, "%s dst port %d", pn, ports[i]);
      progs[np++] = compile(expr);
      snprintf(expr, sizeof expr, "%s src port %d", pn, ports[i]);
      progs[np++] = compile(expr);
      for (size_t j = 0; j < sizeof hosts / sizeof hosts[0]; j++) {
        snprintf(expr, sizeof expr, "%s dst port %d and dst host %s", pn, ports[i], hosts[j]);
        progs[np++] = compile(expr);
        snprintf(expr, sizeof expr, "%s and src host %s and dst port %d", pn, hosts[j], ports[i]);
        progs[np++] = compile(expr);
      }
    }
  }
  /* 4-tuples that occur: take them from the first TCP/UDP frames of a few captures. */
  struct exo_demux *d = exo_demux_create(&plat);
  for (size_t i = 0; i < np; i++) {
    if (!progs[i].insns) continue;
    EXO_CHECK_EQ(exo_demux_add(d, progs[i].insns, progs[i].len, (uint32_t)i, &ids[i], NULL), 0);
    installed[i] = true;
  }
  struct exo_demux_stats st;
  exo_demux_get_stats(d, &st);
  printf("  %zu filters: %u fast in %u shapes, %u general\n", np, st.fast, st.shapes, st.general);
  EXO_CHECK(st.fast >= 400);

  snprintf(path, sizeof path, "ls %s/*.pcap", dir);
  FILE *ls = popen(path, "r");
  long frames = 0, matches = 0;
  int files = 0;
  while (ls && fgets(line, sizeof line, ls)) {
    line[strcspn(line, "\n")] = '\0';
    frames += compare_on_capture(d, progs, installed, np, line, &matches);
    files++;
    if (exo_test_failures()) break;
  }
  if (ls) pclose(ls);
  printf("  %d captures, %ld frames, %ld filter matches compared\n", files, frames, matches);
  EXO_CHECK(frames > 1000);

  /* Remove every other filter and compare again on a few captures. */
  for (size_t i = 0; i < np; i += 2)
    if (installed[i]) {
      EXO_CHECK_EQ(exo_demux_remove(d, ids[i]), 0);
      installed[i] = false;
    }
  ls = popen(path, "r");
  int k = 0;
  while (ls && fgets(line, sizeof line, ls) && k++ < 60) {
    line[strcspn(line, "\n")] = '\0';
    compare_on_capture(d, progs, installed, np, line, &matches);
    if (exo_test_failures()) break;
  }
  if (ls) pclose(ls);
  exo_demux_destroy(d);
  for (size_t i = 0; i < np; i++) exo_bpf_prog_free(&progs[i]);
}

struct race {
  struct exo_demux *d;
  atomic_int stop;
  atomic_long matched, bad;
};

static void *matcher(void *arg) {
  struct race *r = arg;
  uint8_t f[128];
  uint32_t owners[64];
  uint16_t port = 0;
  while (!atomic_load(&r->stop)) {
    size_t n = make_frame(f, 17, 0x01020304, 0x0a000001, 9, (uint16_t)(1000 + port++ % 64));
    int got = exo_demux_match(r->d, f, (uint32_t)n, (uint32_t)n, owners, 64);
    /* Owner 7 (udp dst port 1000-1063) is installed for the whole run. */
    bool seen = false;
    for (int i = 0; i < got; i++) {
      if (owners[i] == 7) seen = true;
      else if (owners[i] < 100 || owners[i] >= 100 + 64) atomic_fetch_add(&r->bad, 1);
    }
    if (got < 1 || !seen) atomic_fetch_add(&r->bad, 1);
    atomic_fetch_add(&r->matched, 1);
  }
  return NULL;
}

EXO_TEST(add_remove_while_matching) {
  struct race r = {.d = exo_demux_create(&plat)};
  struct exo_bpf_prog keep = compile("udp dst portrange 1000-1063");
  uint32_t keep_id;
  EXO_CHECK_EQ(exo_demux_add(r.d, keep.insns, keep.len, 7, &keep_id, NULL), 0);
  struct exo_bpf_prog progs[64];
  char expr[64];
  for (int i = 0; i < 64; i++) {
    /* Alternate fast (port) and general (length-dependent) filters. */
    if (i % 2) snprintf(expr, sizeof expr, "udp dst port %d", 1000 + i);
    else snprintf(expr, sizeof expr, "udp dst port %d and len > %d", 1000 + i, 10 + i);
    progs[i] = compile(expr);
  }
  pthread_t th;
  pthread_create(&th, NULL, matcher, &r);
  uint32_t ids[64] = {0};
  bool on[64] = {false};
  unsigned seed = 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long changes = 0;
  do {
    for (int j = 0; j < 200; j++) {
      int i = (int)(rand_r(&seed) % 64);
      if (on[i]) EXO_CHECK_EQ(exo_demux_remove(r.d, ids[i]), 0);
      else EXO_CHECK_EQ(exo_demux_add(r.d, progs[i].insns, progs[i].len, 100u + (uint32_t)i, &ids[i], NULL), 0);
      on[i] = !on[i];
      changes++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
  } while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 1500000000L);
  atomic_store(&r.stop, 1);
  pthread_join(th, NULL);
  printf("  %ld changes while %ld frames were matched\n", changes, atomic_load(&r.matched));
  EXO_CHECK_EQ(atomic_load(&r.bad), 0);
  EXO_CHECK(atomic_load(&r.matched) > 100);
  exo_demux_reclaim(r.d);
  struct exo_demux_stats st;
  exo_demux_get_stats(r.d, &st);
  EXO_CHECK_EQ(st.retired, 0);
  exo_demux_destroy(r.d);
  exo_bpf_prog_free(&keep);
  for (int i = 0; i < 64; i++) exo_bpf_prog_free(&progs[i]);
}

/* An allocator that checks every free's size against its allocation, counts what is
 * outstanding, and can be told to fail after a number of allocations. */
struct strict_heap {
  long outstanding, allocs, fail_after, bad_frees;
};

static void *s_alloc(void *ctx, size_t n) {
  struct strict_heap *h = ctx;
  if (h->fail_after >= 0 && h->allocs >= h->fail_after) return NULL;
  h->allocs++;
  size_t *p = malloc(n + 16);
  if (!p) return NULL;
  p[0] = n;
  h->outstanding++;
  return (char *)p + 16;
}

static void s_free(void *ctx, void *ptr, size_t n) {
  struct strict_heap *h = ctx;
  if (!ptr) return;
  size_t *p = (size_t *)((char *)ptr - 16);
  if (p[0] != n) h->bad_frees++;
  h->outstanding--;
  free(p);
}

EXO_TEST(allocation_sizes_and_failures) {
  struct strict_heap heap = {0, 0, -1, 0};
  struct exo_platform sp = {s_alloc, s_free, NULL, &heap};
  static const char *exprs[] = {"udp dst port 53", "tcp dst port 80 and dst host 10.0.0.1",
                                "tcp port 22 or tcp port 23", "ip[2:2] > 100 and len < 200",
                                "udp dst port 54", "vlan and udp"};
  enum { N = sizeof exprs / sizeof exprs[0] };
  struct exo_bpf_prog progs[N];
  for (int i = 0; i < N; i++) progs[i] = compile(exprs[i]);
  /* For every possible point of failure in a sequence of adds: each add either succeeds
   * or fails with -ENOMEM, and what is installed then matches exactly as it should. */
  for (long fail_at = 0; fail_at < 80; fail_at++) {
    heap.allocs = 0;
    heap.fail_after = -1;
    struct exo_demux *d = exo_demux_create(&sp);
    EXO_CHECK(d != NULL);
    heap.fail_after = fail_at;
    bool on[N] = {false};
    uint32_t ids[N];
    for (int i = 0; i < N; i++) {
      int rc = exo_demux_add(d, progs[i].insns, progs[i].len, (uint32_t)i, &ids[i], NULL);
      if (rc == 0) on[i] = true;
      else EXO_CHECK_EQ(rc, -EXO_ENOMEM);
    }
    heap.fail_after = -1;
    uint8_t f[128];
    uint32_t owners[N];
    for (uint16_t port = 52; port < 56; port++) {
      size_t n = make_frame(f, 17, 0x01020304, 0x0a000001, 9, port);
      int got = exo_demux_match(d, f, (uint32_t)n, (uint32_t)n, owners, N);
      int want = 0;
      for (int i = 0; i < N; i++)
        if (on[i] && exo_bpf_run(progs[i].insns, progs[i].len, f, (uint32_t)n, (uint32_t)n)) want++;
      EXO_CHECK_EQ(got, want);
    }
    for (int i = 0; i < N; i++)
      if (on[i]) EXO_CHECK_EQ(exo_demux_remove(d, ids[i]), 0);
    exo_demux_destroy(d);
    EXO_CHECK_EQ(heap.outstanding, 0);
    EXO_CHECK_EQ(heap.bad_frees, 0);
    if (exo_test_failures()) break;
  }
  for (int i = 0; i < N; i++) exo_bpf_prog_free(&progs[i]);
}

struct burst_check {
  struct exo_demux *d;
  const struct exo_demux_frame *frames;
  long mismatches, delivered;
};

static void burst_deliver(void *ctx, size_t index, int result, const uint32_t *owners) {
  struct burst_check *c = ctx;
  uint32_t single[64], got[64];
  const struct exo_demux_frame *f = &c->frames[index];
  int r = exo_demux_match(c->d, f->data, f->wirelen, f->caplen, single, 64);
  c->delivered++;
  if (r != result) {
    c->mismatches++;
    return;
  }
  if (r <= 0) return;
  memcpy(got, owners, (size_t)r * sizeof got[0]);
  qsort(got, (size_t)r, sizeof got[0], cmp_u32);
  qsort(single, (size_t)r, sizeof single[0], cmp_u32);
  if (memcmp(got, single, (size_t)r * sizeof got[0]) != 0) c->mismatches++;
}

EXO_TEST(burst_equals_one_at_a_time) {
  struct exo_demux *d = exo_demux_create(&plat);
  static const char *exprs[] = {"udp dst port 53", "udp src port 53", "tcp dst port 80",
                                "tcp src port 80", "arp", "ip6", "icmp", "tcp port 443",
                                "len > 500", "vlan", "udp dst port 123 and dst host 10.0.0.1"};
  for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
    struct exo_bpf_prog p = compile(exprs[i]);
    uint32_t id;
    EXO_CHECK_EQ(exo_demux_add(d, p.insns, p.len, (uint32_t)(i % 7), &id, NULL), 0);
    exo_bpf_prog_free(&p);
  }
  /* Frames: synthetic UDP/TCP to a few ports, in one burst. */
  static uint8_t buf[96][128];
  struct exo_demux_frame frames[96];
  static const uint16_t ports[] = {53, 80, 443, 123, 9};
  for (int i = 0; i < 96; i++) {
    size_t n = make_frame(buf[i], i % 3 ? 17 : 6, i % 2 ? 0x0a000001 : 0x01020304, 0x0a000001,
                          ports[(i / 3) % 5], ports[i % 5]);
    frames[i] = (struct exo_demux_frame){buf[i], (uint32_t)n, (uint32_t)(i % 11 ? n : 30)};
  }
  uint32_t owners[64];
  struct burst_check c = {d, frames, 0, 0};
  EXO_CHECK_EQ(exo_demux_match_burst(d, frames, 96, owners, 64, burst_deliver, &c), 0);
  EXO_CHECK_EQ(c.delivered, 96);
  EXO_CHECK_EQ(c.mismatches, 0);
  exo_demux_destroy(d);
}
