/* The platform seam of the freestanding core (wire, stack, bpf interpreter).
 *
 * The core includes only <stddef.h>, <stdint.h>, <stdbool.h> and this header, so it
 * builds with -ffreestanding for UEFI. Everything it needs from its host comes through
 * `struct exo_platform`: memory and random bytes. It never reads a clock (time is an
 * argument) and owns no thread. */
#ifndef EXONET_PLATFORM_H
#define EXONET_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compiler lowers these to inline code or to memcpy/memset/memmove/memcmp, which
 * every host (libc, gnu-efi's libefi shim in src/uefi) provides. */
#define exo_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define exo_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define exo_memset(d, c, n) __builtin_memset((d), (c), (n))
#define exo_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

#define EXO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define EXO_MIN(a, b) ((a) < (b) ? (a) : (b))
#define EXO_MAX(a, b) ((a) > (b) ? (a) : (b))

struct exo_platform {
  /* Returns `size` bytes aligned for any type, or NULL. Called from stack code only,
   * never concurrently for one stack. */
  void *(*alloc)(void *ctx, size_t size);
  /* Frees a block from alloc; `size` is the size it was allocated with. NULL is a no-op. */
  void (*free)(void *ctx, void *ptr, size_t size);
  /* Fills buf with unpredictable bytes (ISN keys, ephemeral ports, DHCP xids). */
  void (*random_bytes)(void *ctx, void *buf, size_t len);
  void *ctx;
};

#endif
