/* libFuzzer target: the whole stack's receive path, with time advancing.
 *
 * A fresh stack (10.0.0.1/24 on a capture device) with a UDP socket on port 7, a
 * connected UDP socket, a TCP listener on port 80 and a TCP connection attempt to
 * 10.0.0.2:443 takes the input as:
 *   - records, when the first byte is 0xE7: [op][len hi][len lo][len bytes]...
 *       op & 0x0f == 0: a frame (op & 0x80: readdressed to us, checksums fixed, so
 *                       the fuzzer reaches the protocols instead of the filters)
 *       op & 0x0f == 1: advance time by the bytes read as microseconds (up to 2^32)
 *       op & 0x0f == 2: send a UDP datagram with the bytes to 10.0.0.2:9
 *       op & 0x0f == 3: change the address (gratuitous ARP, ARP flush)
 *   - otherwise one whole frame (as the seeds from captures are), readdressed.
 * Then time runs on (1 s, 10 s, 100 s, 1000 s) so every timer fires, accepted
 * connections are read and closed, and everything is freed (LeakSanitizer checks). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exonet/dev/capture.h"
#include "exonet/errno.h"
#include "exonet/host.h"
#include "exonet/stack.h"
#include "exonet/wire.h"
#include "stack/tcp.h"

static const struct exo_mac OUR_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
#define OUR_IP EXO_IPV4(10, 0, 0, 1)

/* Points the frame at us and repairs the checksums the fuzzer cannot guess. */
static void readdress(uint8_t *f, size_t len) {
  if (len < 14) return;
  memcpy(f, OUR_MAC.b, 6);
  if (exo_rd16(f + 12) != EXO_ETHERTYPE_IPV4 || len < 34) return;
  uint8_t *ip = f + 14;
  size_t hl = (size_t)(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || hl < 20 || 14 + hl > len) return;
  exo_wr32(ip + 16, OUR_IP);
  exo_wr16(ip + 10, 0);
  exo_wr16(ip + 10, exo_csum(ip, hl));
  size_t tot = exo_rd16(ip + 2);
  if (tot < hl || 14 + tot > len) return;
  if ((exo_rd16(ip + 6) & 0x3fff) != 0) return; /* fragments: leave the payload alone */
  uint8_t *l4 = ip + hl;
  size_t l4len = tot - hl;
  uint32_t src = exo_rd32(ip + 12);
  int off = ip[9] == EXO_IP_PROTO_TCP ? 16 : ip[9] == EXO_IP_PROTO_UDP ? 6 : ip[9] == 1 ? 2 : -1;
  if (off < 0 || l4len < (size_t)off + 2) return;
  exo_wr16(l4 + off, 0);
  if (ip[9] == 1) {
    exo_wr16(l4 + off, exo_csum(l4, l4len));
    return;
  }
  if (ip[9] == EXO_IP_PROTO_UDP && l4len >= 8) exo_wr16(l4 + 4, (uint16_t)l4len);
  uint32_t sum = exo_csum_pseudo_ipv4(src, OUR_IP, ip[9], (uint16_t)l4len);
  exo_wr16(l4 + off, exo_csum_fold(exo_csum_partial(l4, l4len, sum)));
}

static void feed(struct exo_stack *st, struct exo_capdev *cap, uint64_t now, const uint8_t *d,
                 size_t len, bool fix) {
  uint8_t buf[9100];
  if (len > sizeof buf) len = sizeof buf;
  memcpy(buf, d, len);
  if (fix) readdress(buf, len);
  /* Half the frames go through the device, half straight in: both paths are used. */
  if (len & 1) {
    exo_capdev_inject(cap, buf, len);
    exo_stack_poll(st, now);
  } else {
    exo_stack_input(st, now, buf, len);
  }
  exo_capdev_tx_clear(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct exo_host_seeded seeded;
  struct exo_platform pf = exo_host_platform_seeded(&seeded, 1);
  struct exo_capdev *cap = exo_capdev_create(1500);
  if (!cap) return 0;
  struct exo_stack_config cfg = {
      .mac = OUR_MAC, .addr = OUR_IP, .netmask = 0xffffff00u, .gateway = EXO_IPV4(10, 0, 0, 254),
      .reasm_mem = 65536, .reasm_max = 4, .tcp_max_socks = 32};
  struct exo_stack *st;
  uint64_t now = 1000000;
  if (exo_stack_create(&pf, &cfg, exo_capdev_device(cap), now, &st) != 0) {
    exo_capdev_destroy(cap);
    return 0;
  }
  struct exo_udp_sock *u, *uc;
  exo_udp_open(st, &u);
  exo_udp_bind(u, 0, 7);
  exo_udp_open(st, &uc);
  exo_udp_connect(uc, EXO_IPV4(10, 0, 0, 2), 53);
  struct exo_tcp_sock *lst = NULL, *cli = NULL;
  if (exo_stack_tcp_open(st, &lst) == 0) {
    exo_tcp_bind(lst, 0, 80);
    exo_tcp_listen(lst, 8);
  }
  if (exo_stack_tcp_open(st, &cli) == 0) exo_tcp_connect(cli, now, EXO_IPV4(10, 0, 0, 2), 443);
  exo_capdev_tx_clear(cap);

  if (size > 0 && data[0] == 0xE7) {
    size_t i = 1;
    while (i + 3 <= size) {
      uint8_t op = data[i];
      size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
      i += 3;
      if (len > size - i) len = size - i;
      const uint8_t *p = data + i;
      i += len;
      switch (op & 0x0f) {
        case 0:
          feed(st, cap, now, p, len, (op & 0x80) != 0);
          break;
        case 1: {
          uint32_t dt = 0;
          for (size_t k = 0; k < len && k < 4; k++) dt = dt << 8 | p[k];
          now += dt;
          exo_stack_poll(st, now);
          break;
        }
        case 2:
          exo_udp_sendto(u, now, p, len, EXO_IPV4(10, 0, 0, 2), 9);
          break;
        case 3:
          exo_stack_set_addr(st, now, (len & 1) ? EXO_IPV4(10, 0, 0, 3) : OUR_IP, 0xffffff00u,
                             EXO_IPV4(10, 0, 0, 254));
          break;
        default:
          break;
      }
      exo_capdev_tx_clear(cap);
    }
  } else {
    feed(st, cap, now, data, size, true);
  }
  static const uint64_t steps[] = {1000000, 10000000, 100000000, 1000000000};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    now += steps[k];
    struct exo_tcp_sock *acc;
    while (lst && exo_tcp_accept(lst, &acc) == 0) {
      uint8_t rb[512];
      exo_tcp_recv(acc, now, rb, sizeof rb, 0);
      exo_tcp_close(acc, now);
    }
    uint8_t ub[2048];
    while (exo_udp_recvfrom(u, ub, sizeof ub, NULL, NULL, NULL) >= 0) {
    }
    exo_stack_poll(st, now);
    exo_capdev_tx_clear(cap);
  }
  if (cli) exo_tcp_abort(cli, now);
  if (lst) exo_tcp_close(lst, now);
  exo_udp_close(u);
  exo_udp_close(uc);
  exo_stack_destroy(st);
  exo_capdev_destroy(cap);
  return 0;
}
