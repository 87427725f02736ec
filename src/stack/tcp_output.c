/* TCP output: building segments and deciding what to send (RFC 9293 3.8, RFC 6675 5,
 * RFC 5681, Nagle RFC 896, sender SWS avoidance).
 *
 * What may be sent is decided in one place, exo__tcp_output, in RFC 6675 NextSeg order:
 * (1) unSACKed bytes deemed lost, above high_rxt; (2) new data within the peer's window,
 * and a FIN once all data is sent; (3) in SACK recovery, an unSACKed hole below the
 * highest SACKed byte; (4) one rescue retransmission of the tail per recovery. Each transmission needs cwnd - pipe >= SMSS (or an
 * empty pipe), so congestion control governs bytes in flight, not snd_nxt - snd_una.
 * Nagle follows Minshall (hold a small segment only while another small one is
 * unacknowledged). Every segment carries the latest ACK and window, so a data segment also discharges a
 * pending (delayed) ACK. Invariant: snd_nxt only grows; nothing is sent for a socket
 * whose state forbids it (LISTEN, CLOSED, TIME-WAIT except ACKs). */
#include "stack/tcp_int.h"

uint32_t exo__tcp_rcv_window(const struct exo_tcp_sock *s) {
  if (s->rbuf.buf) return s->rbuf.cap - s->rbuf.len;
  /* An embryonic passive connection gets its ring when established: offer its size. */
  return s->state == EXO_TCP_SYN_RECEIVED ? s->rcvbuf_size : 0;
}

void exo__tcp_update_smss(struct exo_tcp_sock *s) {
  uint32_t m = s->peer_mss ? s->peer_mss : EXO__TCP_DEFAULT_MSS;
  uint32_t mtu = s->tcp->env.route_mtu ? s->tcp->env.route_mtu(s->tcp->env.ctx, s->rip) : 0;
  if (mtu > 40 && mtu - 40 < m) m = mtu - 40;
  if (s->user_mss && s->user_mss < m) m = s->user_mss;
  if (s->ts_ok) m -= 12; /* every segment carries a 12-byte timestamp option */
  if (m < 64) m = 64;
  s->smss = m;
}

/* The fields every segment of a connection shares. */
static void hdr_init(struct exo_tcp_sock *s, uint64_t now, struct exo_tcp_repr *r,
                     uint32_t seq, uint8_t flags) {
  exo_memset(r, 0, sizeof *r);
  r->src_port = s->lport;
  r->dst_port = s->rport;
  r->seq = seq;
  r->flags = flags;
  if (flags & EXO_TCP_ACK) r->ack = s->rcv_nxt;
  uint32_t wnd = exo__tcp_rcv_window(s);
  if (flags & EXO_TCP_SYN) {
    r->window = (uint16_t)EXO_MIN(wnd, 65535u); /* never scaled (RFC 7323 2.2) */
    if ((flags & EXO_TCP_ACK) && exo_seq_gt(s->rcv_nxt + r->window, s->rcv_adv))
      s->rcv_adv = s->rcv_nxt + r->window;
  } else {
    uint32_t w = wnd >> s->rcv_wscale;
    if (w > 65535u) w = 65535u;
    r->window = (uint16_t)w;
    uint32_t edge = s->rcv_nxt + (w << s->rcv_wscale);
    if (exo_seq_gt(edge, s->rcv_adv)) s->rcv_adv = edge;
  }
  if (s->ts_ok) {
    r->has_timestamp = true;
    r->ts_val = exo__tcp_ts_now(s, now);
    r->ts_ecr = s->ts_recent;
  }
  if ((flags & EXO_TCP_ACK) && !(flags & EXO_TCP_SYN)) exo__sack_fill(s, r);
}

static int emit(struct exo_tcp_sock *s, uint64_t now, struct exo_tcp_repr *r,
                const uint8_t *p1, size_t l1, const uint8_t *p2, size_t l2) {
  struct exo_tcp *tcp = s->tcp;
  r->payload = NULL;
  r->payload_len = l1 + l2;
  int rc = tcp->env.output(tcp->env.ctx, s->lip, s->rip, r, p1, l1, p2, l2);
  if (rc < 0) {
    tcp->stats.output_errors++;
    if (!s->t_xmit) s->t_xmit = now + 1000; /* device full: retry in 1 ms */
    return rc;
  }
  tcp->stats.segs_out++;
  s->segs_out++;
  if (r->flags & EXO_TCP_ACK) {
    /* This segment acknowledges everything received: no ACK is owed any more. */
    s->unacked_rcv = 0;
    s->ack_now = false;
    s->t_delack = 0;
    s->last_ack_sent = s->rcv_nxt;
    if (r->sack_count) s->dsack_pending = false;
  }
  return 0;
}

int exo__tcp_send_raw(struct exo_tcp *tcp, uint32_t lip, uint32_t rip,
                      const struct exo_tcp_repr *r) {
  struct exo_tcp_repr c = *r;
  c.payload = NULL;
  c.payload_len = 0;
  int rc = tcp->env.output(tcp->env.ctx, lip, rip, &c, NULL, 0, NULL, 0);
  if (rc < 0) {
    tcp->stats.output_errors++;
    return rc;
  }
  tcp->stats.segs_out++;
  return 0;
}

void exo__tcp_reply_rst(struct exo_tcp *tcp, uint32_t lip, uint32_t rip,
                        const struct exo_tcp_repr *seg) {
  if (seg->flags & EXO_TCP_RST) return;
  struct exo_tcp_repr r;
  exo_memset(&r, 0, sizeof r);
  r.src_port = seg->dst_port;
  r.dst_port = seg->src_port;
  if (seg->flags & EXO_TCP_ACK) {
    r.seq = seg->ack;
    r.flags = EXO_TCP_RST;
  } else {
    r.seq = 0;
    r.ack = seg->seq + exo_tcp_seg_len(seg);
    r.flags = EXO_TCP_RST | EXO_TCP_ACK;
  }
  tcp->stats.rsts_sent++;
  exo__tcp_send_raw(tcp, lip, rip, &r);
}

int exo__tcp_send_ack(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp_repr r;
  hdr_init(s, now, &r, s->snd_nxt, EXO_TCP_ACK);
  return emit(s, now, &r, NULL, 0, NULL, 0);
}

int exo__tcp_send_probe(struct exo_tcp_sock *s, uint64_t now) {
  /* An already acknowledged sequence number: the peer must answer with an ACK carrying
   * its current window (zero-window probe and keepalive, as Linux sends them). */
  struct exo_tcp_repr r;
  hdr_init(s, now, &r, s->snd_una - 1, EXO_TCP_ACK);
  return emit(s, now, &r, NULL, 0, NULL, 0);
}

int exo__tcp_send_rst(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp_repr r;
  hdr_init(s, now, &r, s->snd_nxt, EXO_TCP_RST | EXO_TCP_ACK);
  r.sack_count = 0;
  r.window = 0;
  s->tcp->stats.rsts_sent++;
  return emit(s, now, &r, NULL, 0, NULL, 0);
}

int exo__tcp_send_syn(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp_repr r;
  bool synack = s->state == EXO_TCP_SYN_RECEIVED;
  hdr_init(s, now, &r, s->iss, synack ? (EXO_TCP_SYN | EXO_TCP_ACK) : EXO_TCP_SYN);
  r.has_mss = true;
  r.mss = s->adv_mss;
  const struct exo_tcp_config *cfg = &s->tcp->cfg;
  /* On a SYN we offer what is configured; on a SYN-ACK only what the peer offered. */
  if (synack ? s->ws_ok : cfg->window_scaling) {
    r.has_wscale = true;
    r.wscale = s->rcv_wscale;
  }
  r.sack_permitted = synack ? s->sack_ok : cfg->sack;
  if (synack ? s->ts_ok : cfg->timestamps) {
    r.has_timestamp = true;
    r.ts_val = exo__tcp_ts_now(s, now);
    r.ts_ecr = synack ? s->ts_recent : 0;
  } else {
    r.has_timestamp = false;
  }
  int rc = emit(s, now, &r, NULL, 0, NULL, 0);
  if (rc == 0 && exo_seq_lt(s->snd_nxt, s->iss + 1)) s->snd_nxt = s->iss + 1;
  return rc;
}

int exo__tcp_challenge_ack(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  if (now - tcp->challenge_epoch >= 1000000u || tcp->challenge_epoch == 0) {
    tcp->challenge_epoch = now ? now : 1;
    tcp->challenge_count = 0;
  }
  if (tcp->challenge_count >= tcp->cfg.challenge_ack_limit) {
    tcp->stats.challenge_acks_suppressed++;
    return 0;
  }
  tcp->challenge_count++;
  tcp->stats.challenge_acks++;
  return exo__tcp_send_ack(s, now);
}

static uint32_t data_end(const struct exo_tcp_sock *s) { return s->sbuf_seq + s->sbuf.len; }

int exo__tcp_xmit_at(struct exo_tcp_sock *s, uint64_t now, uint32_t seq, uint32_t max_len,
                     bool retrans) {
  uint32_t end = data_end(s);
  uint32_t len = 0;
  if (exo_seq_lt(seq, s->sbuf_seq)) {
    /* Only the SYN precedes the data. */
    return exo__tcp_send_syn(s, now);
  }
  if (exo_seq_lt(seq, end)) len = EXO_MIN(EXO_MIN(end - seq, max_len), s->smss);
  uint8_t flags = EXO_TCP_ACK;
  bool fin = s->fin_queued && seq + len == end &&
             (s->fin_sent || exo_seq_le(seq, s->snd_nxt));
  if (fin) flags |= EXO_TCP_FIN;
  if (len == 0 && !fin) return 0;
  if (len && seq + len == end) flags |= EXO_TCP_PSH;
  struct exo_tcp_repr r;
  hdr_init(s, now, &r, seq, flags);
  const uint8_t *p1, *p2;
  size_t l1, l2;
  exo__ring_pieces(&s->sbuf, seq - s->sbuf_seq, len, &p1, &l1, &p2, &l2);
  int rc = emit(s, now, &r, p1, l1, p2, l2);
  if (rc < 0) return rc;
  uint32_t seg_end = seq + len + (fin ? 1u : 0u);
  if (fin) s->fin_sent = true;
  if (retrans) {
    s->total_retrans++;
    s->tcp->stats.retransmits++;
    s->rtt_timing = false; /* Karn: no sample from an ambiguous ACK */
  } else if (!s->rtt_timing) {
    s->rtt_timing = true;
    s->rtt_seq = seg_end;
    s->rtt_start = now;
  }
  if (!retrans && len < s->smss) s->snd_sml = seg_end;
  if (exo_seq_gt(seg_end, s->snd_nxt)) s->snd_nxt = seg_end;
  if (!s->t_rtx) exo__tcp_arm_rtx(s, now);
  s->t_persist = 0;
  return 0;
}

static bool can_send_data(uint8_t st) {
  return st == EXO_TCP_ESTABLISHED || st == EXO_TCP_CLOSE_WAIT || st == EXO_TCP_FIN_WAIT_1 ||
         st == EXO_TCP_CLOSING || st == EXO_TCP_LAST_ACK;
}

int exo__tcp_output(struct exo_tcp_sock *s, uint64_t now) {
  int rc = 0;
  s->t_xmit = 0;
  if (can_send_data(s->state) && s->sbuf.buf) {
    bool cwnd_blocked = false;
    for (;;) {
      uint32_t pipe = exo__tcp_pipe(s);
      if (pipe != 0 && (pipe >= s->cwnd || s->cwnd - pipe < s->smss)) {
        cwnd_blocked = true;
        break;
      }
      /* (1) Lost data (RFC 6675 NextSeg rule 1; also go-back-N after an RTO). */
      uint32_t from = exo_seq_gt(s->high_rxt, s->snd_una) ? s->high_rxt : s->snd_una;
      if (exo_seq_lt(from, s->lost_hi)) {
        uint32_t hole_len;
        uint32_t hole = exo__sb_next_hole(s, from, s->lost_hi, &hole_len);
        if (hole_len > 0) {
          rc = exo__tcp_xmit_at(s, now, hole, hole_len, true);
          if (rc < 0) break;
          uint32_t sent = EXO_MIN(EXO_MIN(hole_len, s->smss), data_end(s) - hole);
          if (s->fin_sent && hole + sent == data_end(s)) sent++; /* the FIN went too */
          if (sent == 0) break;
          s->high_rxt = hole + sent;
          continue;
        }
        s->high_rxt = s->lost_hi;
      }
      /* (2) New data within the peer's window. */
      uint32_t end = data_end(s);
      uint32_t unsent = exo_seq_lt(s->snd_nxt, end) ? end - s->snd_nxt : 0;
      uint32_t wnd_edge = s->snd_una + s->snd_wnd;
      uint32_t usable = exo_seq_gt(wnd_edge, s->snd_nxt) ? wnd_edge - s->snd_nxt : 0;
      if (unsent > 0 && usable > 0) {
        uint32_t len = EXO_MIN(EXO_MIN(unsent, usable), s->smss);
        if (len < s->smss) {
          bool all = len == unsent;
          bool idle = s->snd_nxt == s->snd_una;
          /* Nagle with Minshall's refinement (as Linux): a small segment waits only
           * while an earlier small segment is unacknowledged, so a write's tail is not
           * stuck behind the peer's delayed ACK of full segments. */
          bool small_out = exo_seq_gt(s->snd_sml, s->snd_una) &&
                           exo_seq_le(s->snd_sml, s->snd_nxt);
          if (all && !s->nodelay && !idle && !s->fin_queued && small_out) break;
          /* Sender SWS avoidance: a window-limited small segment waits for a bigger
           * window, unless nothing is in flight (the persist timer would stall). */
          if (!all && !idle && len < s->max_snd_wnd / 2) break;
        }
        rc = exo__tcp_xmit_at(s, now, s->snd_nxt, len, false);
        if (rc < 0) break;
        continue;
      }
      /* (3) The FIN after all data. */
      if (s->fin_queued && !s->fin_sent && s->snd_nxt == end) {
        rc = exo__tcp_xmit_at(s, now, end, 0, false);
        if (rc < 0) break;
        continue;
      }
      if (s->ca_state == 3 && s->sack_ok && s->n_sb) {
        /* (3) RFC 6675 NextSeg rule 3: nothing lost or new to send, so retransmit an
         * unSACKed hole below the highest SACKed byte even though it is not yet deemed
         * lost (it is then counted twice in pipe). */
        uint32_t top = s->sb[s->n_sb - 1].right;
        if (exo_seq_lt(from, top)) {
          uint32_t hole_len;
          uint32_t hole = exo__sb_next_hole(s, from, top, &hole_len);
          if (hole_len > 0) {
            rc = exo__tcp_xmit_at(s, now, hole, hole_len, true);
            if (rc < 0) break;
            uint32_t sent = EXO_MIN(EXO_MIN(hole_len, s->smss), end - hole);
            if (s->fin_sent && hole + sent == end) sent++;
            if (sent == 0) break;
            s->high_rxt = hole + sent;
            continue;
          }
        }
        /* (4) Rule 4, the rescue retransmission: once per recovery, the segment
         * holding the highest unSACKed byte, so a lost tail does not wait for the RTO.
         * HighRxt is not moved. */
        if (!s->rescue_done && exo_seq_lt(top, s->snd_nxt)) {
          uint32_t last = exo_seq_lt(end, s->snd_nxt) ? end : s->snd_nxt; /* data end */
          uint32_t start = last - EXO_MIN(s->smss, last - s->snd_una);
          if (exo_seq_lt(start, top)) start = top;
          s->rescue_done = true;
          rc = exo__tcp_xmit_at(s, now, start, s->snd_nxt - start, true);
          if (rc < 0) break;
          continue;
        }
      }
      /* Zero window with data waiting and nothing in flight: probe it. */
      if (unsent > 0 && usable == 0 && s->snd_nxt == s->snd_una && !s->t_persist) {
        s->t_rtx = 0;
        s->t_persist = now + exo__tcp_backoff_rto(s);
      }
      break;
    }
    s->cwnd_limited = cwnd_blocked || 2 * exo__tcp_pipe(s) >= s->cwnd;
  }
  if (s->ack_now && rc == 0 && s->state != EXO_TCP_LISTEN && s->state != EXO_TCP_CLOSED &&
      s->state != EXO_TCP_SYN_SENT)
    rc = exo__tcp_send_ack(s, now);
  exo__tcp_timer_update(s);
  return rc;
}
