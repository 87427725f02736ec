/* TCP's reaction to the host losing an address (a DHCP lease that expired, was refused
 * or released): connections from that address can never be answered again, so they end
 * at once with the given error instead of retransmitting into the void. Nothing is sent:
 * the address is no longer ours to send from. Listeners bound to it stay (they accept
 * nothing until the address comes back), as on Linux. */
#include "stack/tcp_int.h"

void exo_tcp_addr_lost(struct exo_tcp *tcp, uint64_t now, uint32_t addr, int err) {
  if (now > tcp->now) tcp->now = now;
  struct exo_tcp_sock *s = tcp->all;
  while (s) {
    struct exo_tcp_sock *next = s->next; /* s may be freed below */
    if (s->lip == addr && s->state != EXO_TCP_LISTEN && s->state != EXO_TCP_CLOSED) {
      bool freed = exo__tcp_done(s, err);
      if (!freed) exo__tcp_notify(s);
    }
    s = next;
  }
}
