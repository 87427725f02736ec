/* A small test harness: tests register themselves with EXO_TEST, main() in harness.c
 * runs them all (or those named on the command line) and prints "N passed, N failed".
 * A failed check reports file:line and the values, and fails the current test only. */
#ifndef EXONET_TESTS_HARNESS_H
#define EXONET_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*exo_test_fn)(void);

void exo_test_register(const char *name, exo_test_fn fn);
void exo_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends the whole test program as skipped (ctest: exit 77), saying why. */
void exo_test_skip_all(const char *reason) __attribute__((noreturn));
/* Number of failed checks so far in the current test. */
int exo_test_failures(void);

#define EXO_TEST(name)                                                         \
  static void exo_test_##name(void);                                           \
  __attribute__((constructor)) static void exo_test_register_##name(void) {    \
    exo_test_register(#name, exo_test_##name);                                 \
  }                                                                            \
  static void exo_test_##name(void)

#define EXO_CHECK(cond)                                                        \
  do {                                                                         \
    if (!(cond)) exo_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
  } while (0)

#define EXO_CHECK_EQ(a, b)                                                     \
  do {                                                                         \
    long long exo_a_ = (long long)(a), exo_b_ = (long long)(b);                \
    if (exo_a_ != exo_b_)                                                      \
      exo_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,      \
                    exo_a_, exo_b_);                                           \
  } while (0)

#define EXO_CHECK_MEM(a, b, n)                                                 \
  do {                                                                         \
    if (memcmp((a), (b), (n)) != 0)                                            \
      exo_test_fail(__FILE__, __LINE__, "memory differs: %s vs %s (%zu bytes)",\
                    #a, #b, (size_t)(n));                                      \
  } while (0)

#define EXO_CHECK_STR(a, b)                                                    \
  do {                                                                         \
    const char *exo_sa_ = (a), *exo_sb_ = (b);                                 \
    if (strcmp(exo_sa_, exo_sb_) != 0)                                         \
      exo_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,  \
                    exo_sa_, exo_sb_);                                         \
  } while (0)

/* A copy of `data` that ends exactly at a PROT_NONE page, so any read past `len`
 * faults (the picohttpparser trick). Valid until the next call with the same slot. */
const uint8_t *exo_test_guarded(int slot, const void *data, size_t len);

/* Reads a whole file into a malloc'd buffer; NULL if it cannot. */
uint8_t *exo_test_read_file(const char *path, size_t *len);

/* Environment helpers: the pcap folder (NULL when absent, with a message printed). */
const char *exo_test_pcap_dir(void);

#endif
