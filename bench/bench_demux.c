/* exonet-bench-demux: cost per received frame of finding the owners among N installed
 * port filters ("udp dst port P", compiled by libpcap), for N = 1, 10, 100, 1000, 10000:
 *   exonet_ns          the demultiplexer, one call per frame (exo_demux_match),
 *   exonet_burst_ns    the demultiplexer, bursts of 32 frames (exo_demux_match_burst),
 *   libpcap_seq_ns     the same programs run one after another with libpcap's bpf_filter,
 *   exonet_seq_ns      the same programs run one after another with exo_bpf_run
 *                      (the interpreter alone against libpcap's, same work),
 * measured in the same run over the same frames: a mix of UDP frames to installed ports
 * (half), UDP frames to other ports (a quarter) and TCP frames (a quarter). The demux's
 * match count is checked against libpcap's. Each figure is the best of 7 timed loops
 * (the ways take turns); --min-ms is the total time per way and point. One JSON line per
 * point on stdout.
 *   usage: exonet-bench-demux [--max N] [--min-ms MS] [--svg FILE]
 *
 * With --interp EXPRFILE PCAPDIR it compares the interpreters alone instead: every
 * expression of EXPRFILE over every frame of the captures in PCAPDIR (held in memory),
 * with exo_bpf_run and with libpcap's bpf_filter, results checked equal; one JSON line
 * per expression (ns per frame) and a total.                                      */
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exonet/demux.h"
#include "tool_util.h"

#define NFRAMES 512
#define FRAME_LEN 64

static void *b_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void b_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void make_frame(uint8_t *f, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t x) {
  memset(f, 0, FRAME_LEN);
  for (int i = 0; i < 6; i++) f[i] = (uint8_t)(0x02 + i);
  for (int i = 6; i < 12; i++) f[i] = (uint8_t)(0x10 + i);
  f[12] = 0x08;
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[3] = FRAME_LEN - 14;
  ip[8] = 64;
  ip[9] = proto;
  ip[12] = 10, ip[13] = (uint8_t)(x >> 16), ip[14] = (uint8_t)(x >> 8), ip[15] = (uint8_t)x;
  ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 1;
  uint8_t *l4 = ip + 20;
  l4[0] = (uint8_t)(sport >> 8), l4[1] = (uint8_t)sport;
  l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
  if (proto == 6) l4[12] = 0x50;
  else l4[5] = FRAME_LEN - 34;
}

struct point {
  unsigned filters;
  double exonet, libpcap, exoseq, burst;
};

static void count_owners(void *ctx, size_t index, int result, const uint32_t *owners) {
  (void)index;
  (void)owners;
  *(unsigned long *)ctx += (unsigned long)result;
}

static void write_svg(const char *path, const struct point *pts, int n) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return;
  }
  const double W = 760, H = 460, L = 80, R = 70, T = 40, B = 60;
  double ymin = 1e300, ymax = 0;
  for (int i = 0; i < n; i++) {
    double v[4] = {pts[i].exonet, pts[i].libpcap, pts[i].exoseq, pts[i].burst};
    for (int j = 0; j < 4; j++) {
      if (v[j] < ymin) ymin = v[j];
      if (v[j] > ymax) ymax = v[j];
    }
  }
  /* log10 axes, whole decades */
  double ylo = 1, yhi = 1;
  while (ylo * 10 <= ymin) ylo *= 10;
  while (yhi < ymax) yhi *= 10;
  double xlo = 1, xhi = 1;
  while (xhi < pts[n - 1].filters) xhi *= 10;
  double lx0 = log10(xlo), lx1 = log10(xhi), ly0 = log10(ylo), ly1 = log10(yhi);
#define PX(x) (L + (log10(x) - lx0) / (lx1 - lx0) * (W - L - R))
#define PY(y) (H - B - (log10(y) - ly0) / (ly1 - ly0) * (H - T - B))
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
             "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%.0f\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
             "Receive demux: cost per frame vs installed port filters</text>\n", W / 2);
  for (double x = xlo; x <= xhi * 1.0001; x *= 10) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n", PX(x), T, PX(x), H - B);
    fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n", PX(x), H - B + 18, x);
  }
  for (double y = ylo; y <= yhi * 1.0001; y *= 10) {
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, PY(y), W - R, PY(y));
    fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", L - 6, PY(y) + 4, y);
  }
  fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"black\"/>\n",
          L, T, W - L - R, H - T - B);
  fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">installed filters (udp dst port N), log scale</text>\n",
          (L + W - R) / 2, H - 20);
  fprintf(f, "<text x=\"18\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.0f)\">"
             "ns per frame, log scale</text>\n", (T + H - B) / 2, (T + H - B) / 2);
  const char *colors[4] = {"#d62728", "#1f77b4", "#999999", "#ff9896"};
  const char *names[4] = {"exonet demux, one call per frame",
                          "libpcap bpf_filter, one filter after another",
                          "exonet interpreter, one filter after another",
                          "exonet demux, bursts of 32 frames"};
#define SERIES(i) (s == 0 ? pts[i].exonet : s == 1 ? pts[i].libpcap : s == 2 ? pts[i].exoseq : pts[i].burst)
  for (int s = 0; s < 4; s++) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colors[s],
            s >= 2 ? " stroke-dasharray=\"5,4\"" : "");
    for (int i = 0; i < n; i++) {
      double v = SERIES(i);
      fprintf(f, "%.1f,%.1f ", PX(pts[i].filters), PY(v));
    }
    fprintf(f, "\"/>\n");
    for (int i = 0; i < n; i++) {
      double v = SERIES(i);
      fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", PX(pts[i].filters), PY(v), colors[s]);
      if (s < 2)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"11\">%.0f</text>\n",
                PX(pts[i].filters) + 6, PY(v) - 6, colors[s], v);
    }
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\"/>"
               "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
            L + 15, T + 18 + 18.0 * s, L + 45, T + 18 + 18.0 * s, colors[s], L + 52, T + 22 + 18.0 * s, names[s]);
  }
#undef SERIES
  fprintf(f, "</svg>\n");
  fclose(f);
#undef PX
#undef PY
}

struct frame {
  uint32_t caplen, wirelen;
  uint8_t *data;
};

/* Interpreter against interpreter on real programs and real frames. */
static int bench_interp(const char *exprfile, const char *dir, uint64_t min_ms) {
  static struct frame frames[200000];
  size_t nframes = 0;
  char cmd[4200], line[4096];
  snprintf(cmd, sizeof cmd, "ls '%s'/*.pcap", dir);
  FILE *ls = popen(cmd, "r");
  while (ls && fgets(line, sizeof line, ls)) {
    line[strcspn(line, "\n")] = '\0';
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(line, err);
    if (!p) continue;
    struct pcap_pkthdr *h;
    const unsigned char *data;
    while (pcap_next_ex(p, &h, &data) == 1 && nframes < sizeof frames / sizeof frames[0]) {
      frames[nframes].caplen = h->caplen;
      frames[nframes].wirelen = h->len;
      frames[nframes].data = malloc(h->caplen ? h->caplen : 1);
      memcpy(frames[nframes].data, data, h->caplen);
      nframes++;
    }
    pcap_close(p);
  }
  if (ls) pclose(ls);
  FILE *ef = fopen(exprfile, "r");
  if (!ef || nframes == 0) {
    fprintf(stderr, "exonet-bench-demux: no expressions or no frames\n");
    return 1;
  }
  double tot[2] = {0, 0};
  int nexpr = 0;
  while (fgets(line, sizeof line, ef)) {
    line[strcspn(line, "\n")] = '\0';
    if (!line[0] || line[0] == '#') continue;
    struct exo_bpf_prog prog;
    char err[512];
    if (exo_bpf_compile(line, 262144, &prog, err, sizeof err) != 0) continue;
    struct bpf_insn *lp = malloc(prog.len * sizeof *lp);
    for (size_t j = 0; j < prog.len; j++) {
      lp[j].code = prog.insns[j].code;
      lp[j].jt = prog.insns[j].jt;
      lp[j].jf = prog.insns[j].jf;
      lp[j].k = prog.insns[j].k;
    }
    double best[2] = {1e300, 1e300};
    unsigned long hits[2] = {0, 0};
    for (int rep = 0; rep < 3; rep++) {
      for (int m = 0; m < 2; m++) {
        double t0 = now_ns(), t1;
        unsigned long done = 0, h = 0;
        do {
          for (size_t i = 0; i < nframes; i++) {
            const struct frame *f = &frames[i];
            h += m == 0 ? exo_bpf_run(prog.insns, prog.len, f->data, f->wirelen, f->caplen) != 0
                        : bpf_filter(lp, f->data, f->wirelen, f->caplen) != 0;
          }
          done += nframes;
          t1 = now_ns();
        } while (t1 - t0 < (double)min_ms * 1e6 / 6);
        double per = (t1 - t0) / (double)done;
        if (per < best[m]) best[m] = per;
        hits[m] = h / (done / nframes);
      }
    }
    if (hits[0] != hits[1]) {
      fprintf(stderr, "mismatch on '%s': exonet %lu, libpcap %lu\n", line, hits[0], hits[1]);
      return 1;
    }
    printf("{\"bench\":\"bpf_interp\",\"expr\":");
    exo_tool_json_string(stdout, line);
    printf(",\"insns\":%zu,\"exonet_ns\":%.2f,\"libpcap_ns\":%.2f,\"matches\":%lu}\n", prog.len,
           best[0], best[1], hits[0]);
    tot[0] += best[0];
    tot[1] += best[1];
    nexpr++;
    free(lp);
    exo_bpf_prog_free(&prog);
  }
  fclose(ef);
  printf("{\"bench\":\"bpf_interp_total\",\"expressions\":%d,\"frames\":%zu,"
         "\"exonet_ns_sum\":%.1f,\"libpcap_ns_sum\":%.1f,\"libpcap_over_exonet\":%.3f}\n",
         nexpr, nframes, tot[0], tot[1], tot[1] / tot[0]);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t max = 10000, min_ms = 300;
  const char *svg = NULL, *interp_exprs = NULL, *interp_dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--interp") == 0 && i + 2 < argc) {
      interp_exprs = argv[++i];
      interp_dir = argv[++i];
      continue;
    }
    if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
      if (!exo_tool_parse_u64(argv[++i], 1, 100000, &max)) return 2;
    } else if (strcmp(argv[i], "--min-ms") == 0 && i + 1 < argc) {
      if (!exo_tool_parse_u64(argv[++i], 1, 100000, &min_ms)) return 2;
    } else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc) {
      svg = argv[++i];
    } else {
      fprintf(stderr, "usage: exonet-bench-demux [--max N] [--min-ms MS] [--svg FILE]\n"
                      "       exonet-bench-demux --interp EXPRFILE PCAPDIR [--min-ms MS]\n");
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (interp_exprs) return bench_interp(interp_exprs, interp_dir, min_ms);
  static uint8_t frames[NFRAMES][FRAME_LEN];
  const uint16_t base = 10000;
  uint32_t rng = 12345;
  struct exo_platform plat = {b_alloc, b_free, NULL, NULL};
  struct point pts[8];
  int npts = 0;
  for (unsigned nf = 1; nf <= max; nf *= 10) {
    /* Frames for this point: ports drawn from the installed range for half of them. */
    for (int i = 0; i < NFRAMES; i++) {
      rng = rng * 1103515245u + 12345u;
      uint32_t r = rng >> 8;
      if (i % 4 < 2) make_frame(frames[i], 17, 40000, (uint16_t)(base + r % nf), r);
      else if (i % 4 == 2) make_frame(frames[i], 17, 40000, (uint16_t)(base + nf + r % 1000), r);
      else make_frame(frames[i], 6, 40000, (uint16_t)(base + r % nf), r);
    }
    struct exo_demux *d = exo_demux_create(&plat);
    struct exo_bpf_prog *progs = calloc(nf, sizeof *progs);
    struct bpf_insn **lp = calloc(nf, sizeof *lp);
    for (unsigned i = 0; i < nf; i++) {
      char expr[64], err[256];
      snprintf(expr, sizeof expr, "udp dst port %u", base + i);
      if (exo_bpf_compile(expr, 262144, &progs[i], err, sizeof err) != 0) {
        fprintf(stderr, "compile: %s\n", err);
        return 1;
      }
      uint32_t id;
      if (exo_demux_add(d, progs[i].insns, progs[i].len, i, &id, NULL) != 0) return 1;
      lp[i] = malloc(progs[i].len * sizeof **lp);
      for (size_t j = 0; j < progs[i].len; j++) {
        lp[i][j].code = progs[i].insns[j].code;
        lp[i][j].jt = progs[i].insns[j].jt;
        lp[i][j].jf = progs[i].insns[j].jf;
        lp[i][j].k = progs[i].insns[j].k;
      }
    }
    double best[4] = {1e300, 1e300, 1e300, 1e300};
    unsigned long count[4] = {0, 0, 0, 0};
    struct exo_demux_frame burst[NFRAMES];
    for (int i = 0; i < NFRAMES; i++) burst[i] = (struct exo_demux_frame){frames[i], FRAME_LEN, FRAME_LEN};
    /* Seven rounds, the four ways taking turns within each, and the best loop of each way
     * kept: on a shared machine the minimum is the figure least disturbed by others. */
    for (int rep = 0; rep < 7; rep++) {
      for (int m = 0; m < 4; m++) {
        double t0 = now_ns(), t1;
        unsigned long done = 0, hits = 0;
        do {
          for (int i = 0; i < NFRAMES; i++) {
            if (m == 0) {
              uint32_t owners[16];
              int n = exo_demux_match(d, frames[i], FRAME_LEN, FRAME_LEN, owners, 16);
              hits += (unsigned long)n;
            } else if (m == 1) {
              for (unsigned k = 0; k < nf; k++)
                hits += bpf_filter(lp[k], frames[i], FRAME_LEN, FRAME_LEN) != 0;
            } else if (m == 2) {
              for (unsigned k = 0; k < nf; k++)
                hits += exo_bpf_run(progs[k].insns, progs[k].len, frames[i], FRAME_LEN, FRAME_LEN) != 0;
            } else if (i % 32 == 0) {
              uint32_t owners[16];
              exo_demux_match_burst(d, &burst[i], 32, owners, 16, count_owners, &hits);
            }
          }
          done += NFRAMES;
          t1 = now_ns();
        } while (t1 - t0 < (double)min_ms * 1e6 / 28);
        double per = (t1 - t0) / (double)done;
        if (per < best[m]) best[m] = per;
        count[m] = hits / (done / NFRAMES);
      }
    }
    if (count[0] != count[1] || count[1] != count[2] || count[3] != count[0]) {
      fprintf(stderr, "mismatch: demux %lu matches per pass, libpcap %lu, interpreter %lu, burst %lu\n",
              count[0], count[1], count[2], count[3]);
      return 1;
    }
    struct exo_demux_stats st;
    exo_demux_get_stats(d, &st);
    printf("{\"bench\":\"demux\",\"filters\":%u,\"exonet_ns\":%.1f,\"libpcap_seq_ns\":%.1f,"
           "\"exonet_seq_ns\":%.1f,\"exonet_burst_ns\":%.1f,\"speedup\":%.1f,\"shapes\":%u,"
           "\"general\":%u,\"matches_per_pass\":%lu,\"frames\":%d}\n",
           nf, best[0], best[1], best[2], best[3], best[1] / best[0], st.shapes, st.general,
           count[0], NFRAMES);
    fflush(stdout);
    pts[npts++] = (struct point){nf, best[0], best[1], best[2], best[3]};
    exo_demux_destroy(d);
    for (unsigned i = 0; i < nf; i++) {
      exo_bpf_prog_free(&progs[i]);
      free(lp[i]);
    }
    free(progs);
    free(lp);
  }
  if (svg) write_svg(svg, pts, npts);
  return 0;
}
