/* libFuzzer target: the input is a DHCP message (the UDP payload). Parse, walk the
 * options area with exo_dhcp_options_foreach (every reported option must lie inside
 * the input), then emit -> parse and compare every repr field; abort on mismatch. */
#include <stdlib.h>
#include <string.h>

#include "exonet/wire.h"

#define CHECK(c)      \
  do {                \
    if (!(c)) abort(); \
  } while (0)

#include "dhcp_roundtrip.h"

static uint8_t out[4096];

struct walk {
  const uint8_t *lo, *hi;
  unsigned count;
};

static void on_option(void *ctx, uint8_t code, const uint8_t *val, uint8_t len) {
  struct walk *w = ctx;
  CHECK(code != EXO_DHCP_OPT_PAD && code != EXO_DHCP_OPT_END);
  CHECK(val >= w->lo && val + len <= w->hi);
  w->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= EXO_DHCP_MIN_LEN) {
    struct walk w = {data + EXO_DHCP_MIN_LEN, data + size, 0};
    int err = exo_dhcp_options_foreach(data + EXO_DHCP_MIN_LEN, size - EXO_DHCP_MIN_LEN,
                                       on_option, &w);
    CHECK(err == 0 || err == EXO_WIRE_EBADOPT);
  }
  /* The walker alone, over the whole input as an options area. */
  struct walk all = {data, data + size, 0};
  int werr = exo_dhcp_options_foreach(data, size, on_option, &all);
  CHECK(werr == 0 || werr == EXO_WIRE_EBADOPT);

  struct exo_dhcp_repr a, b;
  int err = exo_dhcp_parse(data, size, &a);
  CHECK(err <= 0 && err >= EXO_WIRE_EFRAGMENT);
  if (err) return 0;
  int m = exo_fuzz_dhcp_roundtrip(&a, &b, out, sizeof out);
  CHECK(out[m - 1] == EXO_DHCP_OPT_END || out[m - 1] == EXO_DHCP_OPT_PAD);
  /* Emitting the re-parsed repr gives the same bytes: emit is a function of the repr. */
  static uint8_t out2[4096];
  CHECK(exo_dhcp_emit(&b, out2, sizeof out2) == m && memcmp(out, out2, (size_t)m) == 0);
  return 0;
}
