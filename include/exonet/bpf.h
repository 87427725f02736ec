/* Classic BPF: the verifier, the interpreter and (hosted only) pcap expressions.
 *
 * The verifier and the interpreter are freestanding (no libc, no libpcap): the daemon and
 * the UEFI build share them. A program is run only after exo_bpf_verify() accepted it;
 * the interpreter relies on what the verifier proved (every jump lands inside the
 * program, every path ends in RET, scratch memory is written before it is read, no
 * constant division by zero or shift >= 32).
 *
 * Scratch memory: a program that may read a scratch cell not written on every path
 * before the read is REJECTED (EXO_BPF_EMEM_UNINIT), not zero-initialised. libpcap leaves
 * the cells uninitialised, so only rejection makes "same result as libpcap's bpf_filter"
 * true for every accepted program.
 *
 * Semantics are those of libpcap's bpf_filter(): a load that does not fit in the captured
 * bytes ends the program with 0 ("no match"); division or modulus by X == 0 returns 0;
 * a shift by X >= 32 gives 0; the result is the RET value (0 = no match). */
#ifndef EXONET_BPF_H
#define EXONET_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One instruction; the same layout as Linux's struct sock_filter and libpcap's struct
 * bpf_insn on every ABI we build for. */
struct exo_bpf_insn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};

#define EXO_BPF_MAXINSNS 4096
#define EXO_BPF_MEMWORDS 16

/* Instruction classes, fields and codes (the classic BPF numbering). */
#define EXO_BPF_CLASS(c) ((c)&0x07)
#define EXO_BPF_LD 0x00
#define EXO_BPF_LDX 0x01
#define EXO_BPF_ST 0x02
#define EXO_BPF_STX 0x03
#define EXO_BPF_ALU 0x04
#define EXO_BPF_JMP 0x05
#define EXO_BPF_RET 0x06
#define EXO_BPF_MISC 0x07
#define EXO_BPF_SIZE(c) ((c)&0x18)
#define EXO_BPF_W 0x00
#define EXO_BPF_H 0x08
#define EXO_BPF_B 0x10
#define EXO_BPF_MODE(c) ((c)&0xe0)
#define EXO_BPF_IMM 0x00
#define EXO_BPF_ABS 0x20
#define EXO_BPF_IND 0x40
#define EXO_BPF_MEM 0x60
#define EXO_BPF_LEN 0x80
#define EXO_BPF_MSH 0xa0
#define EXO_BPF_OP(c) ((c)&0xf0)
#define EXO_BPF_ADD 0x00
#define EXO_BPF_SUB 0x10
#define EXO_BPF_MUL 0x20
#define EXO_BPF_DIV 0x30
#define EXO_BPF_OR 0x40
#define EXO_BPF_AND 0x50
#define EXO_BPF_LSH 0x60
#define EXO_BPF_RSH 0x70
#define EXO_BPF_NEG 0x80
#define EXO_BPF_MOD 0x90
#define EXO_BPF_XOR 0xa0
#define EXO_BPF_JA 0x00
#define EXO_BPF_JEQ 0x10
#define EXO_BPF_JGT 0x20
#define EXO_BPF_JGE 0x30
#define EXO_BPF_JSET 0x40
#define EXO_BPF_SRC(c) ((c)&0x08)
#define EXO_BPF_K 0x00
#define EXO_BPF_X 0x08
#define EXO_BPF_RVAL(c) ((c)&0x18)
#define EXO_BPF_A 0x10
#define EXO_BPF_MISCOP(c) ((c)&0xf8)
#define EXO_BPF_TAX 0x00
#define EXO_BPF_TXA 0x80

/* Why the verifier refused a program. */
enum exo_bpf_reason {
  EXO_BPF_OK = 0,
  EXO_BPF_EEMPTY,       /* no instructions */
  EXO_BPF_ETOO_LONG,    /* more than EXO_BPF_MAXINSNS instructions */
  EXO_BPF_EOPCODE,      /* an opcode classic BPF (as libpcap runs it) does not define */
  EXO_BPF_EJUMP_BACK,   /* a jump whose target is not after it (offset wraps around) */
  EXO_BPF_EJUMP_OUT,    /* a jump whose target is past the last instruction */
  EXO_BPF_ENO_RET,      /* the last instruction is not a RET: a path can run off the end */
  EXO_BPF_EMEM_INDEX,   /* a scratch-memory index >= EXO_BPF_MEMWORDS */
  EXO_BPF_EDIV_ZERO,    /* division or modulus by the constant 0 */
  EXO_BPF_ESHIFT,       /* shift by a constant >= 32 */
  EXO_BPF_EMEM_UNINIT,  /* a scratch cell read before it is written on every path */
};

struct exo_bpf_verdict {
  enum exo_bpf_reason reason;
  uint32_t pc;  /* the offending instruction (0 for EEMPTY/ETOO_LONG) */
  uint32_t arg; /* the opcode, memory index, constant or jump target involved */
};

/* Checks `prog[0..len)`. Returns 0 if the program is safe to run with exo_bpf_run(), or
 * -EXO_EINVAL with `*why` (if not NULL) filled. Reads only `prog`; keeps nothing. */
int exo_bpf_verify(const struct exo_bpf_insn *prog, size_t len, struct exo_bpf_verdict *why);

/* A fixed English phrase for a reason ("jump leaves the program", ...). */
const char *exo_bpf_reason_str(enum exo_bpf_reason reason);

/* Writes "instruction PC: PHRASE (detail)" into buf (always NUL-terminated when cap > 0).
 * Returns the length it wanted to write. */
size_t exo_bpf_verdict_format(const struct exo_bpf_verdict *why, char *buf, size_t cap);

/* Runs a VERIFIED program over `pkt[0..caplen)`; `wirelen` is the frame's length on the
 * wire (what BPF_LEN loads). Returns the RET value, 0 meaning "no match". Never reads
 * outside `pkt[0..caplen)` or `prog[0..len)`. Undefined for unverified programs. */
uint32_t exo_bpf_run(const struct exo_bpf_insn *prog, size_t len, const uint8_t *pkt,
                     uint32_t wirelen, uint32_t caplen);

/* ---- hosted only (src/bpf/expr.c, links libpcap) ----------------------------------- */

/* A program owned by the caller of exo_bpf_compile()/exo_bpf_parse_raw(); free it with
 * exo_bpf_prog_free(). */
struct exo_bpf_prog {
  struct exo_bpf_insn *insns;
  size_t len;
};

/* Compiles a pcap filter expression with libpcap for Ethernet (DLT_EN10MB), optimised,
 * with `snaplen` as the RET value of a match (tcpdump's default is 262144), then verifies
 * it. Returns 0, or -EXO_EINVAL with libpcap's or the verifier's message in `err`
 * (NUL-terminated, truncated to `errcap`), or -EXO_ENOMEM. */
int exo_bpf_compile(const char *expr, uint32_t snaplen, struct exo_bpf_prog *out, char *err,
                    size_t errcap);

/* Parses a raw program in tcpdump's -ddd form ("N" then N lines "code jt jf k", decimal;
 * commas between lines are accepted, so "4,40 0 0 12,..." works as in iptables) or -dd
 * form ("{ 0x28, 0, 0, 0x0000000c },"), then verifies it. Errors as exo_bpf_compile. */
int exo_bpf_parse_raw(const char *text, struct exo_bpf_prog *out, char *err, size_t errcap);

/* Frees a program's instructions; the struct is zeroed. NULL-safe. */
void exo_bpf_prog_free(struct exo_bpf_prog *prog);

/* Writes one line per instruction in tcpdump -d style ("(000) ldh      [12]").
 * `write` receives NUL-terminated lines without the newline. */
void exo_bpf_disasm(const struct exo_bpf_insn *prog, size_t len,
                    void (*write)(void *ctx, const char *line), void *ctx);

#endif
