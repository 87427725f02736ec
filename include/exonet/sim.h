/* The simulator: a seeded, reproducible simulated Ethernet link joining two or more
 * stacks in virtual time, and a driver that runs a TCP transfer over it.
 *
 * The link is a hub with N ports; each port is a device. A frame committed on port i at
 * `now` is serialized at that port's rate (frames queue behind each other; a full queue
 * tail-drops), travels for the port's one-way delay, and becomes receivable on every
 * other port at its arrival time. Time exists only as the `now` values passed in, so
 * the same inputs give the same run. Loss, duplication, reordering, jitter and
 * corruption come from the fault injector (exonet/dev/fault.h) in front of each stack. */
#ifndef EXONET_SIM_H
#define EXONET_SIM_H

#include "exonet/device.h"
#include "exonet/stack.h"

struct exo_sim_link;

struct exo_sim_path {
  uint32_t delay_us;    /* one-way propagation delay */
  uint64_t rate_bps;    /* 0 = infinitely fast */
  uint32_t queue_bytes; /* transmit queue before tail drop; 0 = unlimited */
};

struct exo_sim_port_stats {
  uint64_t tx_frames, tx_bytes, queue_drops, rx_frames;
};

/* nports >= 2; mtu is the IP MTU the ports report. Returns 0 and *out, or -EXO_EINVAL,
 * -EXO_ENOMEM. */
int exo_sim_link_create(const struct exo_platform *platform, unsigned nports, uint16_t mtu,
                        struct exo_sim_link **out);
/* Frees the link and every frame in flight. NULL is a no-op. */
void exo_sim_link_destroy(struct exo_sim_link *l);
/* Sets the path for frames sent from `port`. Returns 0 or -EXO_EINVAL. */
int exo_sim_link_set_path(struct exo_sim_link *l, unsigned port, const struct exo_sim_path *p);
/* The device of port i (valid for the link's life). */
struct exo_device exo_sim_link_port(struct exo_sim_link *l, unsigned port);
const struct exo_sim_port_stats *exo_sim_link_stats(const struct exo_sim_link *l, unsigned port);

/* Advances virtual time to the next event among the stacks (their next deadlines, which
 * include their devices' arrivals), but not past `limit`, and polls every stack at that
 * time. Returns the new time (>= now). */
uint64_t exo_sim_step(struct exo_stack *const *stacks, unsigned n, uint64_t now, uint64_t limit);

/* ---- a TCP transfer between two stacks ----------------------------------------------- */

struct exo_sim_transfer_config {
  uint64_t bytes;         /* to transfer */
  uint64_t seed;
  uint32_t loss_ppm, dup_ppm, reorder_ppm, corrupt_ppm; /* each direction */
  uint32_t jitter_us;
  uint32_t delay_us;      /* one way */
  uint64_t rate_bps;      /* 0 = unlimited */
  uint32_t queue_bytes;   /* link queue; 0 = unlimited */
  bool reverse;           /* data flows from the listener to the connector */
  bool newreno;           /* congestion control: NewReno instead of CUBIC */
  uint32_t sndbuf, rcvbuf;/* 0 = TCP defaults */
  const char *pcap_path;  /* NULL = no capture */
  uint64_t max_sim_us;    /* give up after this much simulated time; 0 = 1 hour */
};

struct exo_sim_transfer_result {
  uint64_t bytes_sent, bytes_received;
  bool integrity_ok;      /* all bytes arrived, and their hash equals the sent one */
  bool completed;         /* the receiver saw the end of the stream in time */
  double sim_seconds;     /* connect to the receiver seeing the end of the stream */
  double goodput_mbps;    /* bytes_received * 8 / sim_seconds */
  uint64_t retransmits, timeouts, fast_retransmits; /* the data sender's TCP */
  uint64_t frames_lost, frames_duplicated, frames_reordered, frames_corrupted;
  uint64_t bad_checksums; /* frames the stacks dropped for a bad checksum */
  uint64_t hash_sent, hash_received;
  uint64_t first_mismatch; /* offset of the first received byte that differs from the
                              sent stream; UINT64_MAX if none */
  uint64_t events;        /* simulation steps */
  int error;              /* 0, or the negative EXO_E* that stopped the run */
};

/* Runs one transfer. Returns 0 (look at result->integrity_ok) or a negative EXO_E*
 * when the setup failed (-EXO_EIO: the pcap file). Hosted (uses the host platform and
 * the pcap tracer). */
int exo_sim_transfer(const struct exo_sim_transfer_config *cfg,
                     struct exo_sim_transfer_result *result);

#endif
