/* `exonet filter compile|test`: pcap expressions (or raw programs) through libpcap's
 * compiler and exonet's verifier and interpreter.
 *
 *   exonet filter compile [--raw] [-dd|-ddd] EXPR...   prints the program (tcpdump -d)
 *   exonet filter test [--raw] EXPR FILE.pcap          prints the 1-based numbers of the
 *                                                      frames the program matches
 *   exonet filter test-many EXPRFILE FILE.pcap...      (for the differential test) one
 *        line per expression x file: "IDX<TAB>FILE<TAB>STATUS<TAB>N N N..." where STATUS
 *        is ok, read-error (frames before the error are listed), bad-expr (then the
 *        message follows) or bad-file. Frames are read once per expression and file.
 * Frames are filtered with the capture's own lengths, as libpcap does: BPF_LEN loads the
 * length on the wire, loads past the captured bytes fail. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exonet/bpf.h"

static void filter_usage(FILE *out) {
  fprintf(out,
          "usage: exonet filter compile [--raw] [-dd|-ddd] EXPR...\n"
          "       exonet filter test [--raw] EXPR FILE.pcap\n"
          "compile prints the verified program like tcpdump -d; test prints, one per line,\n"
          "the 1-based numbers of the frames of FILE.pcap the filter matches.\n"
          "EXPR is a pcap filter expression (compiled by libpcap for Ethernet); with --raw it is\n"
          "a raw program in tcpdump -ddd form (\"N,code jt jf k,...\") or -dd form.\n");
}

/* Joins argv[from..argc) with spaces, as tcpdump does with its expression words. */
static char *join_args(int argc, char **argv, int from) {
  size_t n = 1;
  for (int i = from; i < argc; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n);
  if (!s) return NULL;
  s[0] = '\0';
  for (int i = from; i < argc; i++) {
    if (i > from) strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

static int load_prog(const char *text, bool raw, struct exo_bpf_prog *prog, char *err,
                     size_t errcap) {
  return raw ? exo_bpf_parse_raw(text, prog, err, errcap)
             : exo_bpf_compile(text, 262144, prog, err, errcap);
}

static void print_line(void *ctx, const char *line) { fprintf((FILE *)ctx, "%s\n", line); }

static int cmd_compile(int argc, char **argv) {
  bool raw = false;
  int fmt = 0, i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--raw") == 0) raw = true;
    else if (strcmp(argv[i], "-dd") == 0) fmt = 2;
    else if (strcmp(argv[i], "-ddd") == 0) fmt = 3;
    else if (strcmp(argv[i], "--") == 0) { i++; break; }
    else break;
  }
  char *text = join_args(argc, argv, i);
  if (!text) return 1;
  struct exo_bpf_prog prog;
  char err[PCAP_ERRBUF_SIZE + 64];
  if (load_prog(text, raw, &prog, err, sizeof err) != 0) {
    fprintf(stderr, "exonet filter: %s\n", err);
    free(text);
    return 1;
  }
  free(text);
  if (fmt == 0) {
    exo_bpf_disasm(prog.insns, prog.len, print_line, stdout);
  } else if (fmt == 2) {
    for (size_t j = 0; j < prog.len; j++)
      printf("{ 0x%x, %u, %u, 0x%08x },\n", prog.insns[j].code, prog.insns[j].jt,
             prog.insns[j].jf, prog.insns[j].k);
  } else {
    printf("%zu\n", prog.len);
    for (size_t j = 0; j < prog.len; j++)
      printf("%u %u %u %u\n", prog.insns[j].code, prog.insns[j].jt, prog.insns[j].jf,
             prog.insns[j].k);
  }
  exo_bpf_prog_free(&prog);
  return 0;
}

/* Streams `path` through `prog`, printing matching frame numbers to `out` separated by
 * `sep`. Returns 0, 1 on a read error after some frames, 2 if the file cannot be used. */
static int run_file(const struct exo_bpf_prog *prog, const char *path, FILE *out, char sep,
                    char *err, size_t errcap) {
  char perr[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, perr);
  if (!p) {
    snprintf(err, errcap, "%s", perr);
    return 2;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    snprintf(err, errcap, "%s: link type %s is not Ethernet", path,
             pcap_datalink_val_to_name(pcap_datalink(p)) ? pcap_datalink_val_to_name(pcap_datalink(p)) : "?");
    pcap_close(p);
    return 2;
  }
  struct pcap_pkthdr *h;
  const unsigned char *data;
  unsigned long n = 0;
  int r, status = 0;
  bool first = true;
  while ((r = pcap_next_ex(p, &h, &data)) == 1) {
    n++;
    if (exo_bpf_run(prog->insns, prog->len, data, h->len, h->caplen) != 0) {
      if (!first && sep != '\n') fputc(sep, out);
      fprintf(out, "%lu", n);
      if (sep == '\n') fputc('\n', out);
      first = false;
    }
  }
  if (r == -1) {
    snprintf(err, errcap, "%s: %s", path, pcap_geterr(p));
    status = 1;
  }
  pcap_close(p);
  return status;
}

static int cmd_test(int argc, char **argv) {
  bool raw = false;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--raw") == 0) raw = true;
    else if (strcmp(argv[i], "--") == 0) { i++; break; }
    else break;
  }
  if (argc - i != 2) {
    filter_usage(stderr);
    return 2;
  }
  struct exo_bpf_prog prog;
  char err[PCAP_ERRBUF_SIZE + 64];
  if (load_prog(argv[i], raw, &prog, err, sizeof err) != 0) {
    fprintf(stderr, "exonet filter: %s\n", err);
    return 1;
  }
  int r = run_file(&prog, argv[i + 1], stdout, '\n', err, sizeof err);
  exo_bpf_prog_free(&prog);
  if (r != 0) {
    fprintf(stderr, "exonet filter: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_test_many(int argc, char **argv) {
  if (argc < 3) {
    filter_usage(stderr);
    return 2;
  }
  FILE *ef = fopen(argv[1], "r");
  if (!ef) {
    perror(argv[1]);
    return 1;
  }
  char line[4096];
  int idx = 0;
  while (fgets(line, sizeof line, ef)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    idx++;
    struct exo_bpf_prog prog;
    char err[PCAP_ERRBUF_SIZE + 64];
    bool ok = exo_bpf_compile(line, 262144, &prog, err, sizeof err) == 0;
    for (int f = 2; f < argc; f++) {
      if (!ok) {
        printf("%d\t%s\tbad-expr\t%s\n", idx, argv[f], err);
        continue;
      }
      /* The status is known only after the frames: collect them first. */
      char *frames = NULL;
      size_t frames_len = 0;
      FILE *mem = open_memstream(&frames, &frames_len);
      if (!mem) return 1;
      char ferr[PCAP_ERRBUF_SIZE + 512];
      int r = run_file(&prog, argv[f], mem, ' ', ferr, sizeof ferr);
      fclose(mem);
      printf("%d\t%s\t%s\t%s\n", idx, argv[f], r == 0 ? "ok" : r == 1 ? "read-error" : "bad-file",
             frames);
      free(frames);
    }
    if (ok) exo_bpf_prog_free(&prog);
  }
  fclose(ef);
  return 0;
}

static bool wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return false;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  }
  return false;
}

static int filter_run(int argc, char **argv) {
  if (argc < 2 || wants_help(argc, argv)) {
    filter_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "compile") == 0) return cmd_compile(argc - 1, argv + 1);
  if (strcmp(argv[1], "test") == 0) return cmd_test(argc - 1, argv + 1);
  if (strcmp(argv[1], "test-many") == 0) return cmd_test_many(argc - 1, argv + 1);
  fprintf(stderr, "exonet filter: unknown subcommand '%s' (compile, test)\n", argv[1]);
  return 2;
}

const struct exo_cli_command exo_cli_cmd_filter = {
    .name = "filter",
    .summary = "compile a pcap expression / test it on a capture: exonet filter compile|test",
    .run = filter_run,
};
