/* Classic BPF interpreter with libpcap's bpf_filter() semantics.
 *
 * Runs only programs exo_bpf_verify() accepted, and relies on it: opcodes are known,
 * jumps stay inside the program, the last instruction is a RET, scratch cells are written
 * before they are read. The packet is untrusted: every load is checked against `caplen`
 * with 64-bit arithmetic (offset + X cannot wrap), and a load that does not fit ends the
 * program with 0, as in libpcap. Freestanding: no libc.
 *
 * Dispatch: with GCC/clang, a table of label addresses indexed by the opcode (threaded
 * code: one indirect jump per instruction, each predicted on its own), otherwise (or with
 * -DEXO_BPF_SWITCH_DISPATCH, which tests/bpf/test_switch_dispatch.sh fuzzes) a switch.
 * Every opcode's body is written once (EXO__OPS below) and used by both. Verified opcodes
 * are < 256; the table maps every other byte to "return 0". */
#include "exonet/bpf.h"

static inline uint32_t exo__bpf_ld32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t exo__bpf_ld16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

/* OP(name, opcode, body): `body` runs with pc at the instruction; it either returns or
 * falls through to NEXT (the next instruction is pc + 1 after any jump offset). */
#define EXO__OPS(OP)                                                                     \
  OP(ret_k, 0x06, return pc->k;)                                                         \
  OP(ret_a, 0x16, return A;)                                                             \
  OP(ld_w_abs, 0x20, off = pc->k; if (off + 4 > caplen) return 0;                        \
    A = exo__bpf_ld32(pkt + off);)                                                      \
  OP(ld_h_abs, 0x28, off = pc->k; if (off + 2 > caplen) return 0;                        \
    A = exo__bpf_ld16(pkt + off);)                                                      \
  OP(ld_b_abs, 0x30, off = pc->k; if (off >= caplen) return 0; A = pkt[off];)            \
  OP(ld_w_ind, 0x40, off = (uint64_t)X + pc->k; if (off + 4 > caplen) return 0;          \
    A = exo__bpf_ld32(pkt + off);)                                                      \
  OP(ld_h_ind, 0x48, off = (uint64_t)X + pc->k; if (off + 2 > caplen) return 0;          \
    A = exo__bpf_ld16(pkt + off);)                                                      \
  OP(ld_b_ind, 0x50, off = (uint64_t)X + pc->k; if (off >= caplen) return 0;             \
    A = pkt[off];)                                                                      \
  OP(ld_len, 0x80, A = wirelen;)                                                         \
  OP(ldx_len, 0x81, X = wirelen;)                                                        \
  OP(ldx_msh, 0xb1, off = pc->k; if (off >= caplen) return 0;                            \
    X = (uint32_t)(pkt[off] & 0xf) << 2;)                                               \
  OP(ld_imm, 0x00, A = pc->k;)                                                           \
  OP(ldx_imm, 0x01, X = pc->k;)                                                          \
  OP(ld_mem, 0x60, A = mem[pc->k];)                                                      \
  OP(ldx_mem, 0x61, X = mem[pc->k];)                                                     \
  OP(st, 0x02, mem[pc->k] = A;)                                                          \
  OP(stx, 0x03, mem[pc->k] = X;)                                                         \
  OP(ja, 0x05, pc += pc->k;)                                                             \
  OP(jeq_k, 0x15, pc += (A == pc->k) ? pc->jt : pc->jf;)                                 \
  OP(jgt_k, 0x25, pc += (A > pc->k) ? pc->jt : pc->jf;)                                  \
  OP(jge_k, 0x35, pc += (A >= pc->k) ? pc->jt : pc->jf;)                                 \
  OP(jset_k, 0x45, pc += (A & pc->k) ? pc->jt : pc->jf;)                                 \
  OP(jeq_x, 0x1d, pc += (A == X) ? pc->jt : pc->jf;)                                     \
  OP(jgt_x, 0x2d, pc += (A > X) ? pc->jt : pc->jf;)                                      \
  OP(jge_x, 0x3d, pc += (A >= X) ? pc->jt : pc->jf;)                                     \
  OP(jset_x, 0x4d, pc += (A & X) ? pc->jt : pc->jf;)                                     \
  OP(add_x, 0x0c, A += X;)                                                               \
  OP(sub_x, 0x1c, A -= X;)                                                               \
  OP(mul_x, 0x2c, A *= X;)                                                               \
  OP(div_x, 0x3c, if (X == 0) return 0; A /= X;)                                         \
  OP(mod_x, 0x9c, if (X == 0) return 0; A %= X;)                                         \
  OP(and_x, 0x5c, A &= X;)                                                               \
  OP(or_x, 0x4c, A |= X;)                                                                \
  OP(xor_x, 0xac, A ^= X;)                                                               \
  OP(lsh_x, 0x6c, A = X < 32 ? A << X : 0;)                                              \
  OP(rsh_x, 0x7c, A = X < 32 ? A >> X : 0;)                                              \
  OP(add_k, 0x04, A += pc->k;)                                                           \
  OP(sub_k, 0x14, A -= pc->k;)                                                           \
  OP(mul_k, 0x24, A *= pc->k;)                                                           \
  OP(div_k, 0x34, A /= pc->k;) /* k != 0: verified */                                    \
  OP(mod_k, 0x94, A %= pc->k;) /* k != 0: verified */                                    \
  OP(and_k, 0x54, A &= pc->k;)                                                           \
  OP(or_k, 0x44, A |= pc->k;)                                                            \
  OP(xor_k, 0xa4, A ^= pc->k;)                                                           \
  OP(lsh_k, 0x64, A <<= pc->k;) /* k < 32: verified */                                   \
  OP(rsh_k, 0x74, A >>= pc->k;) /* k < 32: verified */                                   \
  OP(neg, 0x84, A = 0u - A;)                                                             \
  OP(tax, 0x07, X = A;)                                                                  \
  OP(txa, 0x87, A = X;)

uint32_t exo_bpf_run(const struct exo_bpf_insn *prog, size_t len, const uint8_t *pkt,
                     uint32_t wirelen, uint32_t caplen) {
  uint32_t A = 0, X = 0;
  uint32_t mem[EXO_BPF_MEMWORDS];
  const struct exo_bpf_insn *pc = prog;
  uint64_t off;
  (void)len; /* bounded by the verifier: every path ends in a RET inside prog */

#if defined(__GNUC__) && !defined(EXO_BPF_SWITCH_DISPATCH)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#if defined(__clang__)
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
#define EXO__ENTRY(name, code, body) [code] = &&op_##name,
  static const void *const table[256] = {[0 ... 255] = &&op_bad, EXO__OPS(EXO__ENTRY)};
#undef EXO__ENTRY
#define EXO__NEXT goto *table[(++pc)->code & 0xff]
#define EXO__BODY(name, code, body) \
  op_##name : { body } EXO__NEXT;
  goto *table[pc->code & 0xff];
  EXO__OPS(EXO__BODY)
op_bad:
  return 0; /* unreachable for verified programs; refuse rather than guess */
#undef EXO__BODY
#undef EXO__NEXT
#pragma GCC diagnostic pop
#else
#define EXO__CASE(name, code, body) \
  case code: {                      \
    body                            \
  } break;
  for (;; pc++) {
    switch (pc->code) {
      EXO__OPS(EXO__CASE)
    default:
      return 0; /* unreachable for verified programs; refuse rather than guess */
    }
  }
#undef EXO__CASE
#endif
}
