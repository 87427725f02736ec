/* The receive demultiplexer: many installed cBPF filters, each with an owner; for a frame,
 * the set of owners whose filters match it.
 *
 * Filters are analysed when installed (src/bpf/classify.c): a filter whose accepting paths
 * test frame fields against constants (protocol + port, protocol + address + port, the
 * full 4-tuple, and any other such "shape") is served from a hash table per shape, keyed
 * on the values of the fields it tests for equality; one lookup per shape finds all its
 * filters, so the cost per frame does not grow with the number of such filters (the
 * exokernel DPF and tuple-space-search ideas). Filters the analysis cannot model exactly
 * run one after another with the interpreter (the general tier). Both tiers give exactly
 * the result of exo_bpf_run() on each filter.
 *
 * Concurrency: any number of threads may call exo_demux_match() while other threads call
 * exo_demux_add()/exo_demux_remove() (writers are serialised inside by a spin lock).
 * Readers never block and never see a half-made change: each change is published by one
 * atomic pointer store into structures that are otherwise immutable, and memory a reader
 * might still hold is freed only after the reader count was seen at zero since it was
 * unpublished (a quiescent-state scheme). Freestanding: memory comes from `platform`. */
#ifndef EXONET_DEMUX_H
#define EXONET_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "exonet/bpf.h"
#include "exonet/platform.h"

struct exo_demux;

struct exo_demux_stats {
  uint32_t filters;   /* installed */
  uint32_t fast;      /* served from shape tables */
  uint32_t general;   /* run by the interpreter */
  uint32_t shapes;    /* distinct shapes (hash tables) */
  uint32_t retired;   /* blocks waiting for readers to leave before being freed */
};

/* Creates an empty demultiplexer; `platform` (alloc/free, optional random_bytes for the
 * hash seed) is copied. Returns NULL when out of memory. */
struct exo_demux *exo_demux_create(const struct exo_platform *platform);

/* Frees everything. No reader or writer may be running. NULL-safe. */
void exo_demux_destroy(struct exo_demux *d);

/* Verifies and installs a copy of prog for `owner`; `*filter_id` receives the handle for
 * exo_demux_remove() (never 0; a removed handle is refused until its slot has been reused
 * 4,096 times). Returns 0, -EXO_EINVAL (fails verification; `why` filled when not
 * NULL), -EXO_ENOMEM, or -EXO_ENOSPC (too many filters installed: 1,048,575). */
int exo_demux_add(struct exo_demux *d, const struct exo_bpf_insn *prog, size_t len,
                  uint32_t owner, uint32_t *filter_id, struct exo_bpf_verdict *why);

/* Removes a filter. Returns 0 or -EXO_ENOENT (no such filter). A frame being matched
 * concurrently may or may not see the filter. -EXO_ENOMEM is possible when the change
 * needs a new snapshot; the filter is then still installed. */
int exo_demux_remove(struct exo_demux *d, uint32_t filter_id);

/* Matches one frame (`caplen` bytes present, `wirelen` on the wire). Writes the distinct
 * owners of all matching filters to owners[0..cap) in no particular order and returns
 * their number, or -EXO_ENOSPC if more than `cap` distinct owners matched (owners[] then
 * holds `cap` of them). Never allocates, never blocks. */
int exo_demux_match(struct exo_demux *d, const uint8_t *frame, uint32_t wirelen,
                    uint32_t caplen, uint32_t *owners, size_t cap);

struct exo_demux_frame {
  const uint8_t *data;
  uint32_t wirelen, caplen;
};

/* Receives the result for frames[index]: `result` is what exo_demux_match() would return
 * and owners[] holds the owners (valid only during the call). */
typedef void (*exo_demux_deliver_fn)(void *ctx, size_t index, int result,
                                     const uint32_t *owners);

/* Matches a burst of frames, calling `deliver` once per frame in order, with `owners`
 * (cap entries) as scratch space. The results are those of exo_demux_match() on each
 * frame (a filter added or removed during the burst may or may not be seen by its frames,
 * as with separate calls), but the whole burst runs in one reader section, so memory
 * retired meanwhile is freed only after it. `deliver` may call exo_demux_add/remove.
 * Returns 0. */
int exo_demux_match_burst(struct exo_demux *d, const struct exo_demux_frame *frames, size_t n,
                          uint32_t *owners, size_t cap, exo_demux_deliver_fn deliver,
                          void *ctx);

/* Frees retired memory if no reader is inside right now (writers also do this). */
void exo_demux_reclaim(struct exo_demux *d);

void exo_demux_get_stats(struct exo_demux *d, struct exo_demux_stats *out);

#endif
