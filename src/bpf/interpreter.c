/* Classic BPF interpreter with libpcap's bpf_filter() semantics.
 *
 * Runs only programs exo_bpf_verify() accepted, and relies on it: opcodes are known,
 * jumps stay inside the program, the last instruction is a RET, scratch cells are written
 * before they are read. The packet is untrusted: every load is checked against `caplen`
 * with 64-bit arithmetic (offset + X cannot wrap), and a load that does not fit ends the
 * program with 0, as in libpcap. Freestanding: no libc. */
#include "exonet/bpf.h"

static inline uint32_t exo__bpf_ld32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t exo__bpf_ld16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

uint32_t exo_bpf_run(const struct exo_bpf_insn *prog, size_t len, const uint8_t *pkt,
                     uint32_t wirelen, uint32_t caplen) {
  uint32_t A = 0, X = 0;
  uint32_t mem[EXO_BPF_MEMWORDS];
  const struct exo_bpf_insn *pc = prog;
  uint64_t off;
  (void)len; /* bounded by the verifier: every path ends in a RET inside prog */

  for (;; pc++) {
    switch (pc->code) {
    case EXO_BPF_RET | EXO_BPF_K:
      return pc->k;
    case EXO_BPF_RET | EXO_BPF_A:
      return A;

    case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_ABS:
      off = pc->k;
      if (off + 4 > caplen) return 0;
      A = exo__bpf_ld32(pkt + off);
      break;
    case EXO_BPF_LD | EXO_BPF_H | EXO_BPF_ABS:
      off = pc->k;
      if (off + 2 > caplen) return 0;
      A = exo__bpf_ld16(pkt + off);
      break;
    case EXO_BPF_LD | EXO_BPF_B | EXO_BPF_ABS:
      off = pc->k;
      if (off >= caplen) return 0;
      A = pkt[off];
      break;
    case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_IND:
      off = (uint64_t)X + pc->k;
      if (off + 4 > caplen) return 0;
      A = exo__bpf_ld32(pkt + off);
      break;
    case EXO_BPF_LD | EXO_BPF_H | EXO_BPF_IND:
      off = (uint64_t)X + pc->k;
      if (off + 2 > caplen) return 0;
      A = exo__bpf_ld16(pkt + off);
      break;
    case EXO_BPF_LD | EXO_BPF_B | EXO_BPF_IND:
      off = (uint64_t)X + pc->k;
      if (off >= caplen) return 0;
      A = pkt[off];
      break;
    case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_LEN:
      A = wirelen;
      break;
    case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_LEN:
      X = wirelen;
      break;
    case EXO_BPF_LDX | EXO_BPF_B | EXO_BPF_MSH:
      off = pc->k;
      if (off >= caplen) return 0;
      X = (uint32_t)(pkt[off] & 0xf) << 2;
      break;
    case EXO_BPF_LD | EXO_BPF_IMM:
      A = pc->k;
      break;
    case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_IMM:
      X = pc->k;
      break;
    case EXO_BPF_LD | EXO_BPF_MEM:
      A = mem[pc->k];
      break;
    case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_MEM:
      X = mem[pc->k];
      break;
    case EXO_BPF_ST:
      mem[pc->k] = A;
      break;
    case EXO_BPF_STX:
      mem[pc->k] = X;
      break;

    case EXO_BPF_JMP | EXO_BPF_JA:
      pc += pc->k;
      break;
    case EXO_BPF_JMP | EXO_BPF_JEQ | EXO_BPF_K:
      pc += (A == pc->k) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JGT | EXO_BPF_K:
      pc += (A > pc->k) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JGE | EXO_BPF_K:
      pc += (A >= pc->k) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JSET | EXO_BPF_K:
      pc += (A & pc->k) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JEQ | EXO_BPF_X:
      pc += (A == X) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JGT | EXO_BPF_X:
      pc += (A > X) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JGE | EXO_BPF_X:
      pc += (A >= X) ? pc->jt : pc->jf;
      break;
    case EXO_BPF_JMP | EXO_BPF_JSET | EXO_BPF_X:
      pc += (A & X) ? pc->jt : pc->jf;
      break;

    case EXO_BPF_ALU | EXO_BPF_ADD | EXO_BPF_X: A += X; break;
    case EXO_BPF_ALU | EXO_BPF_SUB | EXO_BPF_X: A -= X; break;
    case EXO_BPF_ALU | EXO_BPF_MUL | EXO_BPF_X: A *= X; break;
    case EXO_BPF_ALU | EXO_BPF_DIV | EXO_BPF_X:
      if (X == 0) return 0;
      A /= X;
      break;
    case EXO_BPF_ALU | EXO_BPF_MOD | EXO_BPF_X:
      if (X == 0) return 0;
      A %= X;
      break;
    case EXO_BPF_ALU | EXO_BPF_AND | EXO_BPF_X: A &= X; break;
    case EXO_BPF_ALU | EXO_BPF_OR | EXO_BPF_X: A |= X; break;
    case EXO_BPF_ALU | EXO_BPF_XOR | EXO_BPF_X: A ^= X; break;
    case EXO_BPF_ALU | EXO_BPF_LSH | EXO_BPF_X: A = X < 32 ? A << X : 0; break;
    case EXO_BPF_ALU | EXO_BPF_RSH | EXO_BPF_X: A = X < 32 ? A >> X : 0; break;
    case EXO_BPF_ALU | EXO_BPF_ADD | EXO_BPF_K: A += pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_SUB | EXO_BPF_K: A -= pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_MUL | EXO_BPF_K: A *= pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_DIV | EXO_BPF_K: A /= pc->k; break; /* k != 0: verified */
    case EXO_BPF_ALU | EXO_BPF_MOD | EXO_BPF_K: A %= pc->k; break; /* k != 0: verified */
    case EXO_BPF_ALU | EXO_BPF_AND | EXO_BPF_K: A &= pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_OR | EXO_BPF_K: A |= pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_XOR | EXO_BPF_K: A ^= pc->k; break;
    case EXO_BPF_ALU | EXO_BPF_LSH | EXO_BPF_K: A <<= pc->k; break; /* k < 32: verified */
    case EXO_BPF_ALU | EXO_BPF_RSH | EXO_BPF_K: A >>= pc->k; break; /* k < 32: verified */
    case EXO_BPF_ALU | EXO_BPF_NEG: A = 0u - A; break;

    case EXO_BPF_MISC | EXO_BPF_TAX: X = A; break;
    case EXO_BPF_MISC | EXO_BPF_TXA: A = X; break;

    default:
      /* Unreachable for verified programs; refuse rather than guess. */
      return 0;
    }
  }
}
