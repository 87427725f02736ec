/* libFuzzer target: random cBPF programs -> exo_bpf_verify(); every verified program runs
 * over the rest of the input as a packet with exo_bpf_run() and with libpcap's
 * bpf_filter(), which must return the same value; the path classifier (used by the demux
 * fast tier) must agree with the interpreter on whether the packet matches.
 * The program and the packet sit in exactly-sized heap blocks, so ASan reports any read
 * past the packet or past the program's end.
 *
 * Input: byte 0 = mode, byte 1 = instruction count n (1..255), then 8 bytes per
 * instruction, then the packet.
 *   mode even: raw instructions (code le16, jt, jf, k le32) -- exercises the verifier;
 *   mode odd:  "shaped" instructions: the code is picked from the valid opcodes, jumps
 *              are reduced into range, scratch indices below 16, and the last one is a
 *              RET, so most programs pass and the interpreter gets exercised. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/classify.h"
#include "exonet/bpf.h"
#include "exonet/demux.h"

static const uint16_t valid_codes[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d,
    0x20, 0x24, 0x25, 0x28, 0x2c, 0x2d, 0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45,
    0x48, 0x4c, 0x4d, 0x50, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81,
    0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1};

struct any_ctx {
  const uint8_t *pkt;
  uint32_t len, wire;
  int accepted;
};

static int check_path(void *ctx, const struct exo__bpf_path *p) {
  struct any_ctx *c = ctx;
  uint32_t keys[EXO__BPF_PATH_MAXCONDS];
  if (exo__bpf_path_eval(p, c->pkt, c->wire, c->len, keys, NULL, 0)) {
    /* The key conditions must hold too: the path's constants must equal the frame's. */
    bool eq = true;
    for (uint16_t i = 0; i < p->nkeys; i++) eq &= keys[i] == p->keys[i];
    if (eq) c->accepted++;
  }
  return 0;
}

static void *f_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void f_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint8_t mode = data[0];
  size_t n = data[1];
  if (n == 0 || size < 2 + n * 8) {
    /* Still give the verifier the degenerate cases. */
    struct exo_bpf_verdict why;
    if (exo_bpf_verify(NULL, 0, &why) == 0) abort();
    return 0;
  }
  struct exo_bpf_insn *prog = malloc(n * sizeof *prog);
  const uint8_t *in = data + 2;
  for (size_t i = 0; i < n; i++, in += 8) {
    uint16_t code = (uint16_t)(in[0] | in[1] << 8);
    uint8_t jt = in[2], jf = in[3];
    uint32_t k = (uint32_t)in[4] | (uint32_t)in[5] << 8 | (uint32_t)in[6] << 16 | (uint32_t)in[7] << 24;
    if (mode & 1) {
      code = valid_codes[code % (sizeof valid_codes / sizeof valid_codes[0])];
      size_t room = n - i - 1; /* instructions after this one */
      if (room == 0) code = (in[0] & 1) ? 0x16 : 0x06;
      else {
        jt = (uint8_t)(jt % room);
        jf = (uint8_t)(jf % room);
      }
      uint16_t cls = code & 7;
      if (code == 0x05) k = room ? k % room : 0;
      else if (cls == 2 || cls == 3 || code == 0x60 || code == 0x61) k %= 16;
      else if ((mode & 2) && cls != 6) k %= 128; /* small offsets: loads land in the packet */
      if ((code == 0x64 || code == 0x74) && k >= 32) k %= 32;
      if ((code == 0x34 || code == 0x94) && k == 0) k = 1;
    }
    prog[i].code = code;
    prog[i].jt = jt;
    prog[i].jf = jf;
    prog[i].k = k;
  }
  size_t plen = size - 2 - n * 8;
  uint8_t *pkt = malloc(plen ? plen : 1);
  memcpy(pkt, data + 2 + n * 8, plen);

  struct exo_bpf_verdict why;
  if (exo_bpf_verify(prog, n, &why) == 0) {
    uint32_t wirelen = (uint32_t)plen + (mode >> 4); /* sometimes longer on the wire */
    uint32_t mine = exo_bpf_run(prog, n, pkt, wirelen, (uint32_t)plen);
    struct bpf_insn *lp = malloc(n * sizeof *lp);
    for (size_t i = 0; i < n; i++) {
      lp[i].code = prog[i].code;
      lp[i].jt = prog[i].jt;
      lp[i].jf = prog[i].jf;
      lp[i].k = prog[i].k;
    }
    uint32_t theirs = bpf_filter(lp, pkt, wirelen, (u_int)plen);
    if (mine != theirs) {
      fprintf(stderr, "exonet %u != libpcap %u\n", mine, theirs);
      abort();
    }
    free(lp);
    {
      struct any_ctx c = {pkt, (uint32_t)plen, wirelen, 0};
      int np = exo__bpf_paths(prog, n, check_path, &c);
      if (np >= 0 && (c.accepted > 0) != (mine != 0)) {
        fprintf(stderr, "classifier says %d accepting paths hold, interpreter %u\n", c.accepted, mine);
        abort();
      }
      if (np >= 0 && c.accepted > 1) {
        fprintf(stderr, "%d accepting paths hold at once\n", c.accepted);
        abort();
      }
    }
    /* The demux with this filter (twice, under two owners, and next to a filter with other
     * constants, so key columns both agree and vary) reports exactly what the program says. */
    struct exo_platform plat = {f_alloc, f_free, NULL, NULL};
    struct exo_demux *d = exo_demux_create(&plat);
    uint32_t id, owners[4];
    if (exo_demux_add(d, prog, n, 1, &id, NULL) != 0) abort();
    int got = exo_demux_match(d, pkt, wirelen, (uint32_t)plen, owners, 4);
    if (got != (mine != 0 ? 1 : 0)) {
      fprintf(stderr, "demux %d owners, interpreter %u\n", got, mine);
      abort();
    }
    for (size_t i = 0; i < n; i++) prog[i].k ^= (mode & 4) ? 1 : 0x100;
    bool other_ok = exo_bpf_verify(prog, n, NULL) == 0;
    uint32_t other = other_ok ? exo_bpf_run(prog, n, pkt, wirelen, (uint32_t)plen) : 0;
    if (other_ok && exo_demux_add(d, prog, n, 2, &id, NULL) != 0) abort();
    for (size_t i = 0; i < n; i++) prog[i].k ^= (mode & 4) ? 1 : 0x100;
    got = exo_demux_match(d, pkt, wirelen, (uint32_t)plen, owners, 4);
    if (got != (mine != 0) + (other != 0)) {
      fprintf(stderr, "demux %d owners with two filters, interpreter %u and %u\n", got, mine, other);
      abort();
    }
    exo_demux_destroy(d);
  } else {
    char msg[160];
    exo_bpf_verdict_format(&why, msg, sizeof msg);
    if (why.reason == EXO_BPF_OK || msg[0] == '\0') abort();
  }
  free(pkt);
  free(prog);
  return 0;
}
