/* Classic BPF verifier.
 *
 * Invariants a verified program gives the interpreter (src/bpf/interpreter.c):
 *  - 1 <= len <= EXO_BPF_MAXINSNS and every opcode is one libpcap's bpf_filter() runs;
 *  - every jump target t satisfies pc < t < len (cBPF jumps are forward by construction,
 *    but a 32-bit JA offset can wrap around, which we refuse), so execution ends after at
 *    most len steps and never leaves the program;
 *  - the last instruction is a RET, so no path runs off the end;
 *  - scratch indices are < EXO_BPF_MEMWORDS, and each LD/LDX MEM reads a cell that every
 *    path from the entry wrote before (a must-write dataflow: since all edges go forward,
 *    one pass in program order computes it);
 *  - no division or modulus by constant 0, no shift by a constant >= 32.
 * Freestanding: only stddef/stdint/stdbool and exonet headers. */
#include "exonet/bpf.h"
#include "exonet/errno.h"

static bool exo__bpf_known_opcode(uint16_t code) {
  switch (code) {
  case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_ABS:
  case EXO_BPF_LD | EXO_BPF_H | EXO_BPF_ABS:
  case EXO_BPF_LD | EXO_BPF_B | EXO_BPF_ABS:
  case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_IND:
  case EXO_BPF_LD | EXO_BPF_H | EXO_BPF_IND:
  case EXO_BPF_LD | EXO_BPF_B | EXO_BPF_IND:
  case EXO_BPF_LD | EXO_BPF_W | EXO_BPF_LEN:
  case EXO_BPF_LD | EXO_BPF_IMM:
  case EXO_BPF_LD | EXO_BPF_MEM:
  case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_IMM:
  case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_MEM:
  case EXO_BPF_LDX | EXO_BPF_W | EXO_BPF_LEN:
  case EXO_BPF_LDX | EXO_BPF_B | EXO_BPF_MSH:
  case EXO_BPF_ST:
  case EXO_BPF_STX:
  case EXO_BPF_JMP | EXO_BPF_JA:
  case EXO_BPF_RET | EXO_BPF_K:
  case EXO_BPF_RET | EXO_BPF_A:
  case EXO_BPF_MISC | EXO_BPF_TAX:
  case EXO_BPF_MISC | EXO_BPF_TXA:
  case EXO_BPF_ALU | EXO_BPF_NEG:
    return true;
  default:
    break;
  }
  if (EXO_BPF_CLASS(code) == EXO_BPF_JMP) {
    uint16_t op = EXO_BPF_OP(code);
    return (code & ~(uint16_t)(0xf0 | 0x08 | 0x07)) == 0 &&
           (op == EXO_BPF_JEQ || op == EXO_BPF_JGT || op == EXO_BPF_JGE || op == EXO_BPF_JSET);
  }
  if (EXO_BPF_CLASS(code) == EXO_BPF_ALU) {
    uint16_t op = EXO_BPF_OP(code);
    return (code & ~(uint16_t)(0xf0 | 0x08 | 0x07)) == 0 && op != EXO_BPF_NEG && op <= EXO_BPF_XOR;
  }
  return false;
}

static int exo__bpf_reject(struct exo_bpf_verdict *why, enum exo_bpf_reason r, uint32_t pc,
                           uint32_t arg) {
  if (why) {
    why->reason = r;
    why->pc = pc;
    why->arg = arg;
  }
  return -EXO_EINVAL;
}

int exo_bpf_verify(const struct exo_bpf_insn *prog, size_t len, struct exo_bpf_verdict *why) {
  if (len == 0 || !prog) return exo__bpf_reject(why, EXO_BPF_EEMPTY, 0, 0);
  if (len > EXO_BPF_MAXINSNS) return exo__bpf_reject(why, EXO_BPF_ETOO_LONG, 0, (uint32_t)len);

  /* Pass 1: opcodes, operands and jump targets, so pass 2 can follow edges blindly. */
  for (uint32_t pc = 0; pc < len; pc++) {
    const struct exo_bpf_insn *in = &prog[pc];
    uint16_t code = in->code;
    if (!exo__bpf_known_opcode(code)) return exo__bpf_reject(why, EXO_BPF_EOPCODE, pc, code);
    switch (EXO_BPF_CLASS(code)) {
    case EXO_BPF_LD:
    case EXO_BPF_LDX:
      if (EXO_BPF_MODE(code) == EXO_BPF_MEM && in->k >= EXO_BPF_MEMWORDS)
        return exo__bpf_reject(why, EXO_BPF_EMEM_INDEX, pc, in->k);
      break;
    case EXO_BPF_ST:
    case EXO_BPF_STX:
      if (in->k >= EXO_BPF_MEMWORDS) return exo__bpf_reject(why, EXO_BPF_EMEM_INDEX, pc, in->k);
      break;
    case EXO_BPF_ALU:
      if (EXO_BPF_SRC(code) == EXO_BPF_K) {
        uint16_t op = EXO_BPF_OP(code);
        if ((op == EXO_BPF_DIV || op == EXO_BPF_MOD) && in->k == 0)
          return exo__bpf_reject(why, EXO_BPF_EDIV_ZERO, pc, 0);
        if ((op == EXO_BPF_LSH || op == EXO_BPF_RSH) && in->k >= 32)
          return exo__bpf_reject(why, EXO_BPF_ESHIFT, pc, in->k);
      }
      break;
    case EXO_BPF_JMP: {
      /* 64-bit sums: a 32-bit JA offset must not wrap around to a backward target. */
      uint64_t next = (uint64_t)pc + 1;
      if (EXO_BPF_OP(code) == EXO_BPF_JA) {
        uint64_t t = next + in->k;
        if (t > UINT32_MAX)
          return exo__bpf_reject(why, EXO_BPF_EJUMP_BACK, pc, (uint32_t)t);
        if (t >= len) return exo__bpf_reject(why, EXO_BPF_EJUMP_OUT, pc, (uint32_t)t);
      } else {
        if (next + in->jt >= len) return exo__bpf_reject(why, EXO_BPF_EJUMP_OUT, pc, (uint32_t)(next + in->jt));
        if (next + in->jf >= len) return exo__bpf_reject(why, EXO_BPF_EJUMP_OUT, pc, (uint32_t)(next + in->jf));
      }
      break;
    }
    default:
      break;
    }
  }
  if (EXO_BPF_CLASS(prog[len - 1].code) != EXO_BPF_RET)
    return exo__bpf_reject(why, EXO_BPF_ENO_RET, (uint32_t)(len - 1), prog[len - 1].code);

  /* Pass 2: must-write analysis of scratch memory. written[pc] is the set of cells written
   * on every path reaching pc; reached[pc] says whether any path reaches it at all
   * (unreachable code never runs, so what it reads does not matter). */
  uint16_t written[EXO_BPF_MAXINSNS];
  bool reached[EXO_BPF_MAXINSNS];
  for (uint32_t pc = 0; pc < len; pc++) {
    written[pc] = 0xffff;
    reached[pc] = false;
  }
  written[0] = 0;
  reached[0] = true;
  for (uint32_t pc = 0; pc < len; pc++) {
    if (!reached[pc]) continue;
    const struct exo_bpf_insn *in = &prog[pc];
    uint16_t code = in->code;
    uint16_t w = written[pc];
    uint16_t cls = EXO_BPF_CLASS(code);
    if ((cls == EXO_BPF_LD || cls == EXO_BPF_LDX) && EXO_BPF_MODE(code) == EXO_BPF_MEM &&
        !(w & (1u << in->k)))
      return exo__bpf_reject(why, EXO_BPF_EMEM_UNINIT, pc, in->k);
    if (cls == EXO_BPF_ST || cls == EXO_BPF_STX) w |= (uint16_t)(1u << in->k);
    if (cls == EXO_BPF_RET) continue;
    uint32_t succ[2];
    int nsucc = 0;
    if (cls == EXO_BPF_JMP) {
      if (EXO_BPF_OP(code) == EXO_BPF_JA) {
        succ[nsucc++] = pc + 1 + in->k;
      } else {
        succ[nsucc++] = pc + 1 + in->jt;
        succ[nsucc++] = pc + 1 + in->jf;
      }
    } else {
      succ[nsucc++] = pc + 1; /* < len: the last instruction is a RET */
    }
    for (int i = 0; i < nsucc; i++) {
      uint32_t t = succ[i];
      written[t] = reached[t] ? (uint16_t)(written[t] & w) : w;
      reached[t] = true;
    }
  }
  if (why) {
    why->reason = EXO_BPF_OK;
    why->pc = 0;
    why->arg = 0;
  }
  return 0;
}

const char *exo_bpf_reason_str(enum exo_bpf_reason reason) {
  switch (reason) {
  case EXO_BPF_OK: return "ok";
  case EXO_BPF_EEMPTY: return "program is empty";
  case EXO_BPF_ETOO_LONG: return "program is longer than 4096 instructions";
  case EXO_BPF_EOPCODE: return "unknown opcode";
  case EXO_BPF_EJUMP_BACK: return "jump is not forward";
  case EXO_BPF_EJUMP_OUT: return "jump leaves the program";
  case EXO_BPF_ENO_RET: return "program can end without RET";
  case EXO_BPF_EMEM_INDEX: return "scratch memory index >= 16";
  case EXO_BPF_EDIV_ZERO: return "division or modulus by constant zero";
  case EXO_BPF_ESHIFT: return "shift by constant >= 32";
  case EXO_BPF_EMEM_UNINIT: return "scratch memory read before written on every path";
  }
  return "unknown reason";
}

/* Tiny formatting helpers: the verifier is freestanding, so no snprintf. */
struct exo__bpf_buf {
  char *p;
  size_t cap, n;
};

static void exo__bpf_put(struct exo__bpf_buf *b, const char *s) {
  for (; *s; s++, b->n++)
    if (b->n + 1 < b->cap) b->p[b->n] = *s;
}

static void exo__bpf_put_num(struct exo__bpf_buf *b, uint32_t v, bool hex) {
  char tmp[16];
  int i = 0;
  uint32_t base = hex ? 16 : 10;
  do {
    tmp[i++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (hex) exo__bpf_put(b, "0x");
  char one[2] = {0, 0};
  while (i > 0) {
    one[0] = tmp[--i];
    exo__bpf_put(b, one);
  }
}

size_t exo_bpf_verdict_format(const struct exo_bpf_verdict *why, char *buf, size_t cap) {
  struct exo__bpf_buf b = {buf, cap, 0};
  if (why->reason != EXO_BPF_EEMPTY && why->reason != EXO_BPF_ETOO_LONG && why->reason != EXO_BPF_OK) {
    exo__bpf_put(&b, "instruction ");
    exo__bpf_put_num(&b, why->pc, false);
    exo__bpf_put(&b, ": ");
  }
  exo__bpf_put(&b, exo_bpf_reason_str(why->reason));
  switch (why->reason) {
  case EXO_BPF_ETOO_LONG:
    exo__bpf_put(&b, " (");
    exo__bpf_put_num(&b, why->arg, false);
    exo__bpf_put(&b, ")");
    break;
  case EXO_BPF_EOPCODE:
  case EXO_BPF_ENO_RET:
    exo__bpf_put(&b, " (opcode ");
    exo__bpf_put_num(&b, why->arg, true);
    exo__bpf_put(&b, ")");
    break;
  case EXO_BPF_EJUMP_BACK:
  case EXO_BPF_EJUMP_OUT:
    exo__bpf_put(&b, " (target ");
    exo__bpf_put_num(&b, why->arg, false);
    exo__bpf_put(&b, ")");
    break;
  case EXO_BPF_EMEM_INDEX:
  case EXO_BPF_EMEM_UNINIT:
    exo__bpf_put(&b, " (M[");
    exo__bpf_put_num(&b, why->arg, false);
    exo__bpf_put(&b, "])");
    break;
  case EXO_BPF_ESHIFT:
    exo__bpf_put(&b, " (");
    exo__bpf_put_num(&b, why->arg, false);
    exo__bpf_put(&b, ")");
    break;
  default:
    break;
  }
  if (cap) buf[b.n < cap ? b.n : cap - 1] = '\0';
  return b.n;
}
