/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are carried as 32-bit one's-complement accumulators ("partial sums") so that a
 * pseudo-header, a header and a payload can be summed in pieces; exo_csum_fold turns a
 * partial sum into the 16-bit checksum field value. Odd-length pieces may only come
 * last (as in every caller here: headers are even-sized). */
#ifndef EXONET_WIRE_CHECKSUM_H
#define EXONET_WIRE_CHECKSUM_H

#include "exonet/wire/types.h"

/* Adds the 16-bit big-endian words of data to sum (fast path: wide loads). */
uint32_t exo_csum_partial(const void *data, size_t len, uint32_t sum);
/* The same, two bytes at a time: the reference the fast path is tested against. */
uint32_t exo_csum_partial_ref(const void *data, size_t len, uint32_t sum);
/* Folds a partial sum to 16 bits and complements it: the value for the header field. */
uint16_t exo_csum_fold(uint32_t sum);
/* exo_csum_fold(exo_csum_partial(data, len, 0)). A buffer that includes a correct
 * checksum field sums to 0 here. */
uint16_t exo_csum(const void *data, size_t len);
/* Partial sum of the IPv4 pseudo-header for TCP/UDP (addresses in host order). */
uint32_t exo_csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t l4_len);
/* RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from old to new. */
uint16_t exo_csum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value);
/* The same for a 32-bit field (an address). */
uint16_t exo_csum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value);

#endif
