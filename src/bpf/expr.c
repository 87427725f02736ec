/* pcap filter expressions and raw programs -> verified exonet BPF programs (hosted).
 *
 * The only file of the BPF layer that uses libpcap: expressions are compiled by libpcap
 * itself (pcap_open_dead + pcap_compile, Ethernet, optimised), never by a compiler of our
 * own, then copied field by field into exo_bpf_insn (the layouts agree, but we do not rely
 * on it) and verified. Whatever comes out of here has passed exo_bpf_verify(). */
#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exonet/bpf.h"
#include "exonet/errno.h"

static void exo__bpf_seterr(char *err, size_t cap, const char *prefix, const char *msg) {
  if (err && cap) snprintf(err, cap, "%s%s", prefix, msg);
}

/* Verifies `prog` and hands it over, or frees it and explains. */
static int exo__bpf_finish(struct exo_bpf_insn *insns, size_t len, struct exo_bpf_prog *out,
                           char *err, size_t errcap) {
  struct exo_bpf_verdict why;
  if (exo_bpf_verify(insns, len, &why) != 0) {
    char msg[160];
    exo_bpf_verdict_format(&why, msg, sizeof msg);
    exo__bpf_seterr(err, errcap, "verifier: ", msg);
    free(insns);
    return -EXO_EINVAL;
  }
  out->insns = insns;
  out->len = len;
  return 0;
}

int exo_bpf_compile(const char *expr, uint32_t snaplen, struct exo_bpf_prog *out, char *err,
                    size_t errcap) {
  out->insns = NULL;
  out->len = 0;
  if (snaplen == 0 || snaplen > INT32_MAX) snaplen = 262144;
  pcap_t *p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
  if (!p) {
    exo__bpf_seterr(err, errcap, "", "pcap_open_dead failed");
    return -EXO_ENOMEM;
  }
  struct bpf_program fp;
  if (pcap_compile(p, &fp, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    exo__bpf_seterr(err, errcap, "", pcap_geterr(p));
    pcap_close(p);
    return -EXO_EINVAL;
  }
  pcap_close(p);
  size_t len = fp.bf_len;
  struct exo_bpf_insn *insns = calloc(len ? len : 1, sizeof *insns);
  if (!insns) {
    pcap_freecode(&fp);
    exo__bpf_seterr(err, errcap, "", "out of memory");
    return -EXO_ENOMEM;
  }
  for (size_t i = 0; i < len; i++) {
    insns[i].code = fp.bf_insns[i].code;
    insns[i].jt = fp.bf_insns[i].jt;
    insns[i].jf = fp.bf_insns[i].jf;
    insns[i].k = fp.bf_insns[i].k;
  }
  pcap_freecode(&fp);
  return exo__bpf_finish(insns, len, out, err, errcap);
}

/* Reads the next unsigned number (decimal, or hex with 0x) after skipping separators.
 * Returns 1 on a number, 0 at the end, -1 on garbage or overflow. */
static int exo__bpf_next_num(const char **s, uint64_t *v) {
  const char *p = *s;
  while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == '{' || *p == '}')) p++;
  if (!*p) {
    *s = p;
    return 0;
  }
  if (!isdigit((unsigned char)*p)) return -1;
  errno = 0;
  char *end;
  unsigned long long n = strtoull(p, &end, 0);
  if (errno || end == p || n > UINT32_MAX) return -1;
  *v = n;
  *s = end;
  return 1;
}

int exo_bpf_parse_raw(const char *text, struct exo_bpf_prog *out, char *err, size_t errcap) {
  out->insns = NULL;
  out->len = 0;
  bool braces = strchr(text, '{') != NULL;
  const char *s = text;
  uint64_t count = 0;
  int r = 0;
  if (!braces) {
    /* -ddd form: the count comes first. */
    if (exo__bpf_next_num(&s, &count) != 1) {
      exo__bpf_seterr(err, errcap, "", "raw program: expected the instruction count first");
      return -EXO_EINVAL;
    }
    if (count == 0 || count > EXO_BPF_MAXINSNS) {
      exo__bpf_seterr(err, errcap, "verifier: ",
                      count == 0 ? "program is empty" : "program is longer than 4096 instructions");
      return -EXO_EINVAL;
    }
  }
  size_t cap = braces ? 64 : (size_t)count, n = 0;
  struct exo_bpf_insn *insns = calloc(cap, sizeof *insns);
  if (!insns) return -EXO_ENOMEM;
  for (;;) {
    uint64_t f[4];
    int got = 0;
    for (; got < 4; got++) {
      r = exo__bpf_next_num(&s, &f[got]);
      if (r != 1) break;
    }
    if (got == 0 && r == 0) break;
    if (got < 4 || f[0] > 0xffff || f[1] > 0xff || f[2] > 0xff) {
      free(insns);
      exo__bpf_seterr(err, errcap, "", "raw program: each instruction is four numbers: code jt jf k");
      return -EXO_EINVAL;
    }
    if (n == cap) {
      if (!braces || cap >= EXO_BPF_MAXINSNS) {
        free(insns);
        exo__bpf_seterr(err, errcap, "",
                        braces ? "verifier: program is longer than 4096 instructions"
                               : "raw program: more instructions than the count says");
        return -EXO_EINVAL;
      }
      struct exo_bpf_insn *bigger = realloc(insns, cap * 2 * sizeof *insns);
      if (!bigger) {
        free(insns);
        return -EXO_ENOMEM;
      }
      insns = bigger;
      cap *= 2;
    }
    insns[n].code = (uint16_t)f[0];
    insns[n].jt = (uint8_t)f[1];
    insns[n].jf = (uint8_t)f[2];
    insns[n].k = (uint32_t)f[3];
    n++;
  }
  if (!braces && n != count) {
    free(insns);
    exo__bpf_seterr(err, errcap, "", "raw program: fewer instructions than the count says");
    return -EXO_EINVAL;
  }
  return exo__bpf_finish(insns, n, out, err, errcap);
}

void exo_bpf_prog_free(struct exo_bpf_prog *prog) {
  if (!prog) return;
  free(prog->insns);
  prog->insns = NULL;
  prog->len = 0;
}

void exo_bpf_disasm(const struct exo_bpf_insn *prog, size_t len,
                    void (*write)(void *ctx, const char *line), void *ctx) {
  /* libpcap's own bpf_image() prints exactly what tcpdump -d prints. */
  for (size_t i = 0; i < len; i++) {
    struct bpf_insn in = {prog[i].code, prog[i].jt, prog[i].jf, prog[i].k};
    write(ctx, bpf_image(&in, (int)i));
  }
}
