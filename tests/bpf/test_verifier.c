/* The verifier: every rejection rule with its exact reason, instruction and detail, and
 * programs at the edges of each rule that must be accepted. */
#include <stdlib.h>

#include "exonet/bpf.h"
#include "exonet/errno.h"
#include "harness.h"

#define S(code, k) {(uint16_t)(code), 0, 0, (uint32_t)(k)}
#define J(code, k, jt, jf) {(uint16_t)(code), (uint8_t)(jt), (uint8_t)(jf), (uint32_t)(k)}

static const uint16_t RET_K = EXO_BPF_RET | EXO_BPF_K;
static const uint16_t RET_A = EXO_BPF_RET | EXO_BPF_A;

static void expect_reject(const struct exo_bpf_insn *p, size_t n, enum exo_bpf_reason r,
                          uint32_t pc, uint32_t arg, const char *text) {
  struct exo_bpf_verdict why = {EXO_BPF_OK, 99, 99};
  EXO_CHECK_EQ(exo_bpf_verify(p, n, &why), -EXO_EINVAL);
  EXO_CHECK_EQ(why.reason, r);
  EXO_CHECK_EQ(why.pc, pc);
  EXO_CHECK_EQ(why.arg, arg);
  char buf[160];
  exo_bpf_verdict_format(&why, buf, sizeof buf);
  EXO_CHECK_STR(buf, text);
}

static void expect_accept(const struct exo_bpf_insn *p, size_t n) {
  struct exo_bpf_verdict why;
  int rc = exo_bpf_verify(p, n, &why);
  if (rc != 0) {
    char buf[160];
    exo_bpf_verdict_format(&why, buf, sizeof buf);
    EXO_CHECK_STR(buf, "(accepted)");
  }
  EXO_CHECK_EQ(rc, 0);
}

EXO_TEST(empty) {
  struct exo_bpf_insn p[1] = {S(RET_K, 0)};
  expect_reject(p, 0, EXO_BPF_EEMPTY, 0, 0, "program is empty");
  expect_reject(NULL, 3, EXO_BPF_EEMPTY, 0, 0, "program is empty");
}

EXO_TEST(too_long) {
  struct exo_bpf_insn *p = calloc(EXO_BPF_MAXINSNS + 1, sizeof *p);
  for (int i = 0; i <= EXO_BPF_MAXINSNS; i++) p[i] = (struct exo_bpf_insn)S(RET_K, 1);
  expect_accept(p, EXO_BPF_MAXINSNS);
  expect_reject(p, EXO_BPF_MAXINSNS + 1, EXO_BPF_ETOO_LONG, 0, 4097,
                "program is longer than 4096 instructions (4097)");
  free(p);
}

EXO_TEST(unknown_opcodes) {
  /* LD|H|IMM (0x08) is not something libpcap runs (its bpf_filter aborts on it). */
  struct exo_bpf_insn p1[] = {S(EXO_BPF_LD | EXO_BPF_H | EXO_BPF_IMM, 1), S(RET_K, 0)};
  expect_reject(p1, 2, EXO_BPF_EOPCODE, 0, 0x08, "instruction 0: unknown opcode (opcode 0x8)");
  struct exo_bpf_insn p2[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 1), S(0xffff, 0), S(RET_K, 0)};
  expect_reject(p2, 3, EXO_BPF_EOPCODE, 1, 0xffff, "instruction 1: unknown opcode (opcode 0xffff)");
  struct exo_bpf_insn p3[] = {S(EXO_BPF_RET | EXO_BPF_X, 0)};
  expect_reject(p3, 1, EXO_BPF_EOPCODE, 0, 0x0e, "instruction 0: unknown opcode (opcode 0xe)");
  struct exo_bpf_insn p4[] = {S(EXO_BPF_ALU | EXO_BPF_NEG | EXO_BPF_X, 0), S(RET_A, 0)};
  expect_reject(p4, 2, EXO_BPF_EOPCODE, 0, 0x8c, "instruction 0: unknown opcode (opcode 0x8c)");
  struct exo_bpf_insn p5[] = {S(EXO_BPF_ALU | 0xb0, 1), S(RET_A, 0)}; /* op past XOR */
  expect_reject(p5, 2, EXO_BPF_EOPCODE, 0, 0xb4, "instruction 0: unknown opcode (opcode 0xb4)");
  struct exo_bpf_insn p6[] = {J(EXO_BPF_JMP | 0x50, 0, 0, 0), S(RET_A, 0)}; /* jump op 5 */
  expect_reject(p6, 2, EXO_BPF_EOPCODE, 0, 0x55, "instruction 0: unknown opcode (opcode 0x55)");
  struct exo_bpf_insn p7[] = {S(EXO_BPF_LDX | EXO_BPF_H | EXO_BPF_ABS, 1), S(RET_A, 0)};
  expect_reject(p7, 2, EXO_BPF_EOPCODE, 0, 0x29, "instruction 0: unknown opcode (opcode 0x29)");
  struct exo_bpf_insn p8[] = {S(EXO_BPF_MISC | 0x40, 0), S(RET_A, 0)};
  expect_reject(p8, 2, EXO_BPF_EOPCODE, 0, 0x47, "instruction 0: unknown opcode (opcode 0x47)");
  /* Every opcode libpcap defines is accepted. */
  static const uint16_t ok[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14,
                                0x15, 0x16, 0x1c, 0x1d, 0x20, 0x24, 0x25, 0x28, 0x2c, 0x2d,
                                0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45, 0x48, 0x4c,
                                0x4d, 0x50, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c,
                                0x80, 0x81, 0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint32_t k = (ok[i] == 0x60 || ok[i] == 0x61 || ok[i] == 0x05) ? 0 : 1; /* M[0] written; JA lands on the RET */
    struct exo_bpf_insn p[] = {S(EXO_BPF_ST, 0), J(ok[i], k, 0, 0), S(RET_K, 0)};
    struct exo_bpf_verdict why;
    int rc = exo_bpf_verify(p, 3, &why);
    if (rc != 0) exo_test_fail(__FILE__, __LINE__, "opcode 0x%x refused: %d", ok[i], why.reason);
  }
}

EXO_TEST(jumps) {
  /* jt past the end */
  struct exo_bpf_insn p1[] = {J(EXO_BPF_JMP | EXO_BPF_JEQ | EXO_BPF_K, 1, 1, 0), S(RET_K, 1)};
  expect_reject(p1, 2, EXO_BPF_EJUMP_OUT, 0, 2, "instruction 0: jump leaves the program (target 2)");
  /* jf past the end */
  struct exo_bpf_insn p2[] = {J(EXO_BPF_JMP | EXO_BPF_JGT | EXO_BPF_X, 1, 0, 200), S(RET_K, 1)};
  expect_reject(p2, 2, EXO_BPF_EJUMP_OUT, 0, 201, "instruction 0: jump leaves the program (target 201)");
  /* JA past the end */
  struct exo_bpf_insn p3[] = {S(EXO_BPF_JMP | EXO_BPF_JA, 1), S(RET_K, 1)};
  expect_reject(p3, 2, EXO_BPF_EJUMP_OUT, 0, 2, "instruction 0: jump leaves the program (target 2)");
  /* JA whose 32-bit offset wraps around to a backward target */
  struct exo_bpf_insn p4[] = {S(RET_K, 0), S(EXO_BPF_JMP | EXO_BPF_JA, 0xfffffffe), S(RET_K, 1)};
  expect_reject(p4, 3, EXO_BPF_EJUMP_BACK, 1, 0, "instruction 1: jump is not forward (target 0)");
  struct exo_bpf_insn p5[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 0), S(EXO_BPF_JMP | EXO_BPF_JA, 0xffffffff), S(RET_K, 1)};
  expect_reject(p5, 3, EXO_BPF_EJUMP_BACK, 1, 1, "instruction 1: jump is not forward (target 1)");
  /* In range is fine. */
  struct exo_bpf_insn p6[] = {S(EXO_BPF_JMP | EXO_BPF_JA, 1), S(RET_K, 1), S(RET_K, 2)};
  expect_accept(p6, 3);
  EXO_CHECK_EQ(exo_bpf_run(p6, 3, NULL, 0, 0), 2);
}

EXO_TEST(no_ret) {
  struct exo_bpf_insn p1[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 1)};
  expect_reject(p1, 1, EXO_BPF_ENO_RET, 0, 0, "instruction 0: program can end without RET (opcode 0x0)");
  struct exo_bpf_insn p2[] = {J(EXO_BPF_JMP | EXO_BPF_JEQ | EXO_BPF_K, 0, 1, 0), S(RET_K, 1),
                              S(EXO_BPF_MISC | EXO_BPF_TAX, 0)};
  expect_reject(p2, 3, EXO_BPF_ENO_RET, 2, 0x07, "instruction 2: program can end without RET (opcode 0x7)");
}

EXO_TEST(mem_index) {
  struct exo_bpf_insn p1[] = {S(EXO_BPF_ST, 16), S(RET_K, 1)};
  expect_reject(p1, 2, EXO_BPF_EMEM_INDEX, 0, 16, "instruction 0: scratch memory index >= 16 (M[16])");
  struct exo_bpf_insn p2[] = {S(EXO_BPF_STX, 0xffffffff), S(RET_K, 1)};
  expect_reject(p2, 2, EXO_BPF_EMEM_INDEX, 0, 0xffffffff,
                "instruction 0: scratch memory index >= 16 (M[4294967295])");
  struct exo_bpf_insn p3[] = {S(EXO_BPF_ST, 15), S(EXO_BPF_LD | EXO_BPF_MEM, 17), S(RET_K, 1)};
  expect_reject(p3, 3, EXO_BPF_EMEM_INDEX, 1, 17, "instruction 1: scratch memory index >= 16 (M[17])");
  struct exo_bpf_insn p4[] = {S(EXO_BPF_ST, 15), S(EXO_BPF_LDX | EXO_BPF_MEM, 16), S(RET_K, 1)};
  expect_reject(p4, 3, EXO_BPF_EMEM_INDEX, 1, 16, "instruction 1: scratch memory index >= 16 (M[16])");
  struct exo_bpf_insn ok[] = {S(EXO_BPF_ST, 15), S(EXO_BPF_LDX | EXO_BPF_MEM, 15), S(RET_K, 1)};
  expect_accept(ok, 3);
}

EXO_TEST(div_zero) {
  struct exo_bpf_insn p1[] = {S(EXO_BPF_ALU | EXO_BPF_DIV | EXO_BPF_K, 0), S(RET_A, 0)};
  expect_reject(p1, 2, EXO_BPF_EDIV_ZERO, 0, 0, "instruction 0: division or modulus by constant zero");
  struct exo_bpf_insn p2[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 5), S(EXO_BPF_ALU | EXO_BPF_MOD | EXO_BPF_K, 0), S(RET_A, 0)};
  expect_reject(p2, 3, EXO_BPF_EDIV_ZERO, 1, 0, "instruction 1: division or modulus by constant zero");
  /* Division by X is checked at run time (returns 0, like libpcap), not refused. */
  struct exo_bpf_insn p3[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 5), S(EXO_BPF_ALU | EXO_BPF_DIV | EXO_BPF_X, 0), S(RET_A, 0)};
  expect_accept(p3, 3);
  EXO_CHECK_EQ(exo_bpf_run(p3, 3, NULL, 0, 0), 0);
}

EXO_TEST(shift) {
  struct exo_bpf_insn p1[] = {S(EXO_BPF_ALU | EXO_BPF_LSH | EXO_BPF_K, 32), S(RET_A, 0)};
  expect_reject(p1, 2, EXO_BPF_ESHIFT, 0, 32, "instruction 0: shift by constant >= 32 (32)");
  struct exo_bpf_insn p2[] = {S(EXO_BPF_ALU | EXO_BPF_RSH | EXO_BPF_K, 0xffffffff), S(RET_A, 0)};
  expect_reject(p2, 2, EXO_BPF_ESHIFT, 0, 0xffffffff, "instruction 0: shift by constant >= 32 (4294967295)");
  struct exo_bpf_insn ok[] = {S(EXO_BPF_LD | EXO_BPF_IMM, 1), S(EXO_BPF_ALU | EXO_BPF_LSH | EXO_BPF_K, 31), S(RET_A, 0)};
  expect_accept(ok, 3);
  EXO_CHECK_EQ(exo_bpf_run(ok, 3, NULL, 0, 0), 0x80000000u);
}

EXO_TEST(mem_uninit) {
  /* Read with no write at all. */
  struct exo_bpf_insn p1[] = {S(EXO_BPF_LD | EXO_BPF_MEM, 3), S(RET_A, 0)};
  expect_reject(p1, 2, EXO_BPF_EMEM_UNINIT, 0, 3,
                "instruction 0: scratch memory read before written on every path (M[3])");
  /* Written on one branch only. */
  struct exo_bpf_insn p2[] = {
      S(EXO_BPF_LD | EXO_BPF_W | EXO_BPF_LEN, 0),
      J(EXO_BPF_JMP | EXO_BPF_JGT | EXO_BPF_K, 10, 0, 1),
      S(EXO_BPF_ST, 2),
      S(EXO_BPF_LDX | EXO_BPF_MEM, 2),
      S(RET_K, 1),
  };
  expect_reject(p2, 5, EXO_BPF_EMEM_UNINIT, 3, 2,
                "instruction 3: scratch memory read before written on every path (M[2])");
  /* Written on both branches: fine. */
  struct exo_bpf_insn p3[] = {
      S(EXO_BPF_LD | EXO_BPF_W | EXO_BPF_LEN, 0),
      J(EXO_BPF_JMP | EXO_BPF_JGT | EXO_BPF_K, 10, 0, 2),
      S(EXO_BPF_ST, 2),
      S(EXO_BPF_JMP | EXO_BPF_JA, 1),
      S(EXO_BPF_STX, 2),
      S(EXO_BPF_LD | EXO_BPF_MEM, 2),
      S(RET_A, 0),
  };
  expect_accept(p3, 7);
  EXO_CHECK_EQ(exo_bpf_run(p3, 7, NULL, 20, 0), 20);
  EXO_CHECK_EQ(exo_bpf_run(p3, 7, NULL, 5, 0), 0);
  /* Written in the wrong cell. */
  struct exo_bpf_insn p4[] = {S(EXO_BPF_ST, 1), S(EXO_BPF_LD | EXO_BPF_MEM, 0), S(RET_A, 0)};
  expect_reject(p4, 3, EXO_BPF_EMEM_UNINIT, 1, 0,
                "instruction 1: scratch memory read before written on every path (M[0])");
  /* An unreachable read does not matter. */
  struct exo_bpf_insn p5[] = {S(EXO_BPF_JMP | EXO_BPF_JA, 1), S(EXO_BPF_LD | EXO_BPF_MEM, 0), S(RET_A, 0)};
  expect_accept(p5, 3);
}

EXO_TEST(libpcap_output_is_accepted) {
  static const char *exprs[] = {"tcp dst port 80", "vlan and udp", "ip[2:2] / 4 > 10",
                                "len - 14 > 100", "tcp[tcpflags] & tcp-syn != 0",
                                "ip6 and tcp port 22", "icmp or arp", ""};
  for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
    struct exo_bpf_prog prog;
    char err[256];
    int rc = exo_bpf_compile(exprs[i], 262144, &prog, err, sizeof err);
    if (rc != 0) exo_test_fail(__FILE__, __LINE__, "'%s': %s", exprs[i], err);
    exo_bpf_prog_free(&prog);
  }
  struct exo_bpf_prog prog;
  char err[256];
  EXO_CHECK_EQ(exo_bpf_compile("tcp port", 262144, &prog, err, sizeof err), -EXO_EINVAL);
  EXO_CHECK_STR(err, "can't parse filter expression: syntax error");
  EXO_CHECK_EQ(exo_bpf_parse_raw("2\n6 0 0 1\n7 0 0 0\n", &prog, err, sizeof err), -EXO_EINVAL);
  EXO_CHECK_STR(err, "verifier: instruction 1: program can end without RET (opcode 0x7)");
  EXO_CHECK_EQ(exo_bpf_parse_raw("2,40 0 0 12,6 0 0 5", &prog, err, sizeof err), 0);
  EXO_CHECK_EQ(prog.len, 2);
  EXO_CHECK_EQ(prog.insns[0].code, 40);
  EXO_CHECK_EQ(prog.insns[0].k, 12);
  exo_bpf_prog_free(&prog);
  EXO_CHECK_EQ(exo_bpf_parse_raw("{ 0x28, 0, 0, 0x0000000c },\n{ 0x6, 0, 0, 0x00040000 },\n",
                                 &prog, err, sizeof err), 0);
  EXO_CHECK_EQ(prog.len, 2);
  EXO_CHECK_EQ(prog.insns[1].k, 0x40000);
  exo_bpf_prog_free(&prog);
  EXO_CHECK_EQ(exo_bpf_parse_raw("3,6 0 0 1", &prog, err, sizeof err), -EXO_EINVAL);
  EXO_CHECK_EQ(exo_bpf_parse_raw("0", &prog, err, sizeof err), -EXO_EINVAL);
  EXO_CHECK_STR(err, "verifier: program is empty");
}
