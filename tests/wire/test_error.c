/* Every exo_wire_error has its own non-empty description, and unknown codes still get
 * a string. */
#include "exonet/wire.h"
#include "harness.h"

EXO_TEST(strerror_distinct_nonempty) {
  static const int codes[] = {
      EXO_WIRE_OK,      EXO_WIRE_ETRUNCATED, EXO_WIRE_EVERSION, EXO_WIRE_EHDRLEN,
      EXO_WIRE_ETOTLEN, EXO_WIRE_EBADOPT,    EXO_WIRE_EHWTYPE,  EXO_WIRE_EBADFIELD,
      EXO_WIRE_ENOSPC,  EXO_WIRE_EMAGIC,     EXO_WIRE_ETOOMANYTAGS, EXO_WIRE_EFRAGMENT,
  };
  size_t n = sizeof codes / sizeof codes[0];
  /* The codes are 0, -1, ..., -(n-1): none forgotten in this list. */
  for (size_t i = 0; i < n; i++) EXO_CHECK_EQ(codes[i], -(int)i);
  const char *unknown = exo_wire_strerror(-(int)n);
  EXO_CHECK(unknown != NULL && unknown[0] != '\0');
  for (size_t i = 0; i < n; i++) {
    const char *a = exo_wire_strerror(codes[i]);
    EXO_CHECK(a != NULL);
    if (!a) continue;
    EXO_CHECK(a[0] != '\0');
    EXO_CHECK(strcmp(a, unknown) != 0);
    for (size_t j = i + 1; j < n; j++) {
      const char *b = exo_wire_strerror(codes[j]);
      if (b && strcmp(a, b) == 0)
        exo_test_fail(__FILE__, __LINE__, "codes %d and %d share \"%s\"", codes[i], codes[j], a);
    }
  }
  EXO_CHECK(exo_wire_strerror(12345) != NULL);
  EXO_CHECK(exo_wire_strerror(-12345) != NULL);
  EXO_CHECK_STR(exo_wire_strerror(EXO_WIRE_ETRUNCATED), "truncated");
}
