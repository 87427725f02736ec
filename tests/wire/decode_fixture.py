#!/usr/bin/python3
"""A small capture with known frames, built byte by byte (no scapy needed), and the
field-by-field check of what `exonet decode --json` says about it.

  decode_fixture.py write OUT.pcap          the capture (Ethernet link type)
  decode_fixture.py write-linktype OUT N    an empty capture with link type N
  decode_fixture.py write-cut OUT.pcap      the capture cut in the middle of frame 3
  decode_fixture.py check OUT.json OUT.txt  checks --json and plain output; exit 1 on failure

Checksums are computed here independently of exonet (RFC 1071).
"""

import json
import struct
import sys

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, etype=0x0800, src=MAC_A, dst=MAC_B, tags=()):
    h = dst + src
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", etype) + payload


def ipv4(payload, src="10.0.0.1", dst="10.0.0.2", proto=6, ttl=64, ident=1, df=True,
         mf=False, frag=0, bad_csum=False, total=None, version=4, ihl=5, options=b""):
    hl = 20 + len(options)
    if total is None:
        total = hl + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag // 8)
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total, ident, flags, ttl, proto,
                    0, ip4(src), ip4(dst)) + options
    c = csum(h)
    if bad_csum:
        c ^= 0x5555
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def pseudo(src, dst, proto, length):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)


def tcp(payload=b"", sport=40000, dport=80, seq=123456789, ack=0, flags=0x02, win=64240,
        options=b"", src="10.0.0.1", dst="10.0.0.2", bad_csum=False, doff=None, urg=0):
    if doff is None:
        doff = (20 + len(options)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, win, 0, urg) + options
    c = csum(pseudo(src, dst, 6, len(h) + len(payload)) + h + payload)
    if bad_csum:
        c ^= 0x1111
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(payload=b"", sport=5000, dport=53, src="10.0.0.1", dst="10.0.0.2", no_csum=False,
        length=None, bad_csum=False):
    if length is None:
        length = 8 + len(payload)
    h = struct.pack("!HHHH", sport, dport, length, 0)
    c = 0 if no_csum else csum(pseudo(src, dst, 17, length) + h + payload) or 0xffff
    if bad_csum:
        c ^= 0x2222
    return h[:6] + struct.pack("!H", c) + payload


def icmp(typ, code, rest, payload=b""):
    h = struct.pack("!BBHI", typ, code, 0, rest)
    return h[:2] + struct.pack("!H", csum(h + payload)) + h[4:] + payload


def arp(op=1, sha=MAC_A, spa="10.0.0.1", tha=b"\0" * 6, tpa="10.0.0.2", htype=1):
    return struct.pack("!HHBBH", htype, 0x0800, 6, 4, op) + sha + ip4(spa) + tha + ip4(tpa)


def dhcp(op, msg_type, xid, chaddr, options, yiaddr="0.0.0.0", ciaddr="0.0.0.0"):
    b = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, 0, 0x8000, ip4(ciaddr), ip4(yiaddr),
                    ip4("0.0.0.0"), ip4("0.0.0.0"))
    b += chaddr + b"\0" * 10 + b"\0" * 64 + b"\0" * 128 + struct.pack("!I", 0x63825363)
    b += bytes([53, 1, msg_type])
    for code, val in options:
        b += bytes([code, len(val)]) + val
    b += b"\xff"
    return b + b"\0" * max(0, 300 - len(b))


def pad60(frame):
    return frame + b"\0" * max(0, 60 - len(frame))


SYN_OPTS = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + struct.pack("!BBII", 8, 10, 1000, 0)
            + b"\x01" + b"\x03\x03\x07")
SACK_OPTS = (b"\x01\x01" + struct.pack("!BBII", 8, 10, 2000, 1500) + b"\x01\x01" +
             struct.pack("!BBIIII", 5, 18, 1000, 2000, 3000, 4000))
QUOTED = ipv4(udp(b"x" * 20, sport=33434, dport=33435, src="10.0.0.2", dst="10.9.9.9"),
              src="10.0.0.2", dst="10.9.9.9", proto=17)[:28]
DHCP_DISCOVER = dhcp(1, 1, 0x12345678, MAC_A, [
    (50, ip4("192.168.1.50")), (12, b"exo"), (55, bytes([1, 3, 6, 15])),
    (61, b"\x01" + MAC_A)])
DHCP_ACK = dhcp(2, 5, 0x12345678, MAC_A, [
    (54, ip4("192.168.1.1")), (51, struct.pack("!I", 3600)), (1, ip4("255.255.255.0")),
    (3, ip4("192.168.1.1")), (6, ip4("192.168.1.2") + ip4("192.168.1.3"))],
    yiaddr="192.168.1.50")

def _udp_payload_summing_to_zero():
    """A payload whose UDP checksum computes to 0, so that it goes out as 0xffff."""
    for x in range(65536):
        p = struct.pack("!H", x) + b"abc"
        h = struct.pack("!HHHH", 5000, 53, 8 + len(p), 0)
        if csum(pseudo("10.0.0.1", "10.0.0.2", 17, 8 + len(p)) + h + p) == 0:
            return p
    raise RuntimeError("no such payload")


CSUM_FFFF = _udp_payload_summing_to_zero()
SYN_ACK_OPTS = struct.pack("!BBH", 2, 4, 1400)
BIG = b"d" * 1000
FRAG_UDP = udp(b"f" * 2000, sport=7000, dport=7001)

# (frame bytes, captured length or None for all, expected fields, fields that must be absent)
FRAMES = [
    # 1: SYN with MSS, SACK-permitted, timestamps, NOP, window scale
    (eth(ipv4(tcp(options=SYN_OPTS))), None,
     dict(caplen=74, len=74, eth_src="02:00:00:00:00:01", eth_dst="02:00:00:00:00:02",
          ethertype=2048, ip_src="10.0.0.1", ip_dst="10.0.0.2", ip_proto=6, ip_len=60,
          ip_hl=20, ttl=64, ip_id=1, ip_df=True, ip_mf=False, frag_offset=0, ip_csum_ok=True,
          sport=40000, dport=80, tcp_flags="S", seq=123456789, ack=0, win=64240, tcp_hl=40,
          mss=1460, wscale=7, sack_perm=True, ts_val=1000, ts_ecr=0, payload_len=0,
          l4_csum_ok=True, malformed=None),
     ["sack", "vlan", "snapped", "urg", "llc_len", "icmp_type", "arp_op"]),
    # 2: SYN-ACK with a bad TCP checksum
    (eth(ipv4(tcp(flags=0x12, seq=5, ack=123456790, sport=80, dport=40000, win=1000,
                  options=SYN_ACK_OPTS, src="10.0.0.2", dst="10.0.0.1", bad_csum=True),
              src="10.0.0.2", dst="10.0.0.1", ttl=63, ident=0), src=MAC_B, dst=MAC_A), None,
     dict(tcp_flags="SA", seq=5, ack=123456790, win=1000, mss=1400, sport=80, dport=40000,
          ttl=63, ip_csum_ok=True, l4_csum_ok=False, malformed=None, ip_len=44),
     ["wscale", "sack_perm", "ts_val"]),
    # 3: PSH-ACK with 100 bytes, timestamps and two SACK blocks
    (eth(ipv4(tcp(b"p" * 100, flags=0x18, seq=1000, ack=777, options=SACK_OPTS))), None,
     dict(tcp_flags="PA", sack=[[1000, 2000], [3000, 4000]], ts_val=2000, ts_ecr=1500,
          payload_len=100, l4_csum_ok=True, tcp_hl=52, ip_len=172),
     ["mss", "sack_perm"]),
    # 4: UDP without a checksum
    (pad60(eth(ipv4(udp(b"hello", no_csum=True), proto=17))), None,
     dict(ip_proto=17, ip_len=33, sport=5000, dport=53, udp_csum_present=False, payload_len=5,
          caplen=60, len=60, malformed=None),
     ["l4_csum_ok", "tcp_flags", "seq"]),
    # 5: 802.1Q-tagged UDP with a good checksum
    (eth(ipv4(udp(b"q" * 30), proto=17), tags=[(0x8100, (3 << 13) | 100)]), None,
     dict(vlan=[dict(tpid=0x8100, pcp=3, dei=0, vid=100)], ethertype=2048, sport=5000,
          udp_csum_present=True, l4_csum_ok=True, payload_len=30),
     []),
    # 6: QinQ (802.1ad outer, 802.1Q inner, DEI set on the inner)
    (eth(ipv4(udp(b"z" * 10), proto=17), tags=[(0x88a8, 10), (0x8100, 0x1000 | 20)]), None,
     dict(vlan=[dict(tpid=0x88a8, pcp=0, dei=0, vid=10), dict(tpid=0x8100, pcp=0, dei=1, vid=20)],
          ethertype=2048, l4_csum_ok=True),
     []),
    # 7: DHCP DISCOVER
    (eth(ipv4(udp(DHCP_DISCOVER, sport=68, dport=67, src="0.0.0.0", dst="255.255.255.255"),
              src="0.0.0.0", dst="255.255.255.255", proto=17, df=False), dst=BCAST), None,
     dict(sport=68, dport=67, l4_csum_ok=True, dhcp_op=1, dhcp_msg_type=1, dhcp_type="DISCOVER",
          dhcp_xid=0x12345678, dhcp_chaddr="02:00:00:00:00:01",
          dhcp_requested_ip="192.168.1.50", dhcp_hostname="exo", malformed=None,
          eth_dst="ff:ff:ff:ff:ff:ff"),
     ["dhcp_server_id", "dhcp_lease_time"]),
    # 8: DHCP ACK
    (eth(ipv4(udp(DHCP_ACK, sport=67, dport=68, src="192.168.1.1", dst="192.168.1.50"),
              src="192.168.1.1", dst="192.168.1.50", proto=17)), None,
     dict(dhcp_op=2, dhcp_msg_type=5, dhcp_type="ACK", dhcp_yiaddr="192.168.1.50",
          dhcp_server_id="192.168.1.1", dhcp_lease_time=3600, dhcp_subnet_mask="255.255.255.0",
          dhcp_routers=["192.168.1.1"], dhcp_dns=["192.168.1.2", "192.168.1.3"],
          l4_csum_ok=True),
     ["dhcp_requested_ip", "dhcp_hostname"]),
    # 9: ICMP echo request
    (eth(ipv4(icmp(8, 0, (7 << 16) | 1, b"e" * 56), proto=1)), None,
     dict(ip_proto=1, icmp_type=8, icmp_code=0, payload_len=56, l4_csum_ok=True, ip_len=84),
     ["sport", "dport", "icmp_quote"]),
    # 10: ICMP port unreachable quoting a UDP datagram (IPv4 header + 8 bytes)
    (eth(ipv4(icmp(3, 3, 0, QUOTED), proto=1, src="10.9.9.9", dst="10.0.0.2")), None,
     dict(icmp_type=3, icmp_code=3, l4_csum_ok=True, ip_src="10.9.9.9",
          icmp_quote=dict(ip_src="10.0.0.2", ip_dst="10.9.9.9", ip_proto=17, sport=33434,
                          dport=33435)),
     ["sport", "dport"]),
    # 11: ARP request
    (pad60(eth(arp(), etype=0x0806, dst=BCAST)), None,
     dict(ethertype=0x0806, arp_op=1, arp_sha="02:00:00:00:00:01", arp_spa="10.0.0.1",
          arp_tha="00:00:00:00:00:00", arp_tpa="10.0.0.2", malformed=None),
     ["ip_src", "ttl", "sport"]),
    # 12: bad IPv4 header checksum; UDP inside still fine
    (eth(ipv4(udp(b"c" * 12), proto=17, bad_csum=True)), None,
     dict(ip_csum_ok=False, l4_csum_ok=True, sport=5000, malformed=None),
     []),
    # 13: IPv4 total length larger than the frame
    (eth(ipv4(udp(b"t" * 12), proto=17, total=200)), None,
     dict(ethertype=2048, malformed="ipv4: truncated"),
     ["ip_src", "ip_csum_ok", "sport"]),
    # 14: a capture cut after 26 bytes of TCP payload (1000 on the wire)
    (eth(ipv4(tcp(BIG, flags=0x18, seq=42, ack=43))), 80,
     dict(caplen=80, len=1054, ip_len=1040, ip_csum_ok=True, sport=40000, dport=80,
          tcp_flags="PA", seq=42, ack=43, payload_len=1000, malformed=None),
     ["l4_csum_ok", "snapped"]),
    # 15: a capture cut inside the TCP header
    (eth(ipv4(tcp(BIG, flags=0x10))), 44,
     dict(caplen=44, len=1054, ip_src="10.0.0.1", ip_len=1040, ip_csum_ok=True, snapped="tcp",
          malformed=None),
     ["sport", "seq", "l4_csum_ok", "payload_len"]),
    # 16: a non-first UDP fragment
    (eth(ipv4(FRAG_UDP[1480:], proto=17, ident=99, df=False, frag=1480)), None,
     dict(ip_mf=False, frag_offset=1480, ip_id=99, ip_proto=17, ip_csum_ok=True,
          malformed=None, ip_len=20 + 2008 - 1480),
     ["sport", "dport", "l4_csum_ok", "payload_len"]),
    # 17: the first UDP fragment (the UDP length field covers the whole datagram)
    (eth(ipv4(FRAG_UDP[:1480], proto=17, ident=99, df=False, mf=True)), None,
     dict(ip_mf=True, frag_offset=0, sport=7000, dport=7001, payload_len=2000, ip_len=1500,
          malformed=None),
     ["l4_csum_ok"]),
    # 18: TCP option with a wrong length (MSS of length 3)
    (eth(ipv4(tcp(options=b"\x02\x03\x05\x01"))), None,
     dict(ip_src="10.0.0.1", ip_proto=6, malformed="tcp: malformed option"),
     ["sport", "tcp_flags"]),
    # 19: IPv6 (not decoded further)
    (pad60(eth(b"\x60" + b"\0" * 39, etype=0x86dd)), None,
     dict(ethertype=0x86dd, malformed=None),
     ["ip_src", "ip_proto"]),
    # 20: a 10-byte frame
    (b"\x01" * 10, None,
     dict(caplen=10, len=10, malformed="ethernet: truncated"),
     ["eth_src", "ethertype"]),
    # 21: 802.3 frame with an LLC header (length field 38)
    (pad60(eth(b"\x42\x42\x03" + b"\0" * 35, etype=38)), None,
     dict(llc_len=38, malformed=None),
     ["ethertype", "ip_src"]),
    # 22: UDP length field below 8
    (eth(ipv4(udp(b"u" * 8, length=4), proto=17)), None,
     dict(ip_proto=17, malformed="udp: bad total length"),
     ["sport"]),
    # 23: version 6 behind ethertype 0x0800
    (eth(ipv4(udp(b"v" * 8), proto=17, version=6)), None,
     dict(malformed="ipv4: bad IP version"),
     ["ip_src"]),
    # 24: TCP data offset 4 (below the minimum of 5)
    (eth(ipv4(tcp(doff=4))), None,
     dict(malformed="tcp: bad header length", ip_proto=6),
     ["sport"]),
    # 25: ARP for a hardware type other than Ethernet
    (pad60(eth(arp(htype=6), etype=0x0806)), None,
     dict(ethertype=0x0806, malformed="arp: unsupported hardware or protocol type"),
     ["arp_op"]),
    # 26: every TCP flag, urgent pointer set
    (eth(ipv4(tcp(flags=0xff, urg=9, ack=1))), None,
     dict(tcp_flags="FSRPAUEC", urg=9, l4_csum_ok=True),
     []),
    # 27: a capture cut inside the Ethernet header
    (eth(ipv4(udp(b"w" * 20), proto=17)), 8,
     dict(caplen=8, len=62, snapped="ethernet", malformed=None),
     ["eth_src", "ethertype"]),
    # 28: IPv4 header with options (IHL 6, one NOP-padded word)
    (eth(ipv4(udp(b"o" * 4), proto=17, ihl=6, options=b"\x01\x01\x01\x00")), None,
     dict(ip_hl=24, ip_len=36, ip_csum_ok=True, l4_csum_ok=True, payload_len=4),
     []),
    # 29: EOL ends the TCP options; the bytes after it are padding, not options
    (eth(ipv4(tcp(options=struct.pack("!BBH", 2, 4, 1460) + b"\x00\xff\xff\xff"))), None,
     dict(mss=1460, tcp_hl=28, l4_csum_ok=True, malformed=None),
     ["wscale", "sack_perm", "ts_val"]),
    # 30: an unknown TCP option (kind 30, MPTCP) is skipped by its length
    (eth(ipv4(tcp(options=b"\x1e\x04\x00\x00"))), None,
     dict(tcp_flags="S", tcp_hl=24, l4_csum_ok=True, malformed=None),
     ["mss"]),
    # 31: a SACK option with no block (length 2)
    (eth(ipv4(tcp(options=b"\x05\x02\x01\x01", flags=0x10))), None,
     dict(malformed="tcp: malformed option"),
     ["sport"]),
    # 32, 33, 34: odd-length ICMP, UDP and TCP payloads (checksum padding)
    (eth(ipv4(icmp(8, 0, 1, b"odd"), proto=1)), None,
     dict(icmp_type=8, payload_len=3, l4_csum_ok=True), []),
    (eth(ipv4(udp(b"odd", dport=9), proto=17)), None,
     dict(dport=9, payload_len=3, l4_csum_ok=True), []),
    (eth(ipv4(tcp(b"odd", flags=0x18))), None,
     dict(tcp_flags="PA", payload_len=3, l4_csum_ok=True), []),
    # 35: a UDP checksum that computes to 0 is sent as 0xffff (RFC 768)
    (eth(ipv4(udp(CSUM_FFFF), proto=17)), None,
     dict(udp_csum_present=True, l4_csum_ok=True, payload_len=len(CSUM_FFFF)), []),
    # 36: the UDP length field is shorter than the IP payload: trailing bytes ignored
    (eth(ipv4(udp(b"six666") + b"tail", proto=17)), None,
     dict(ip_len=38, payload_len=6, l4_csum_ok=True, malformed=None), []),
    # 37: protocol TCP with an empty IP payload
    (eth(ipv4(b"", proto=6)), None,
     dict(ip_len=20, ip_proto=6, malformed="tcp: truncated"),
     ["sport"]),
    # 38: time exceeded quoting a whole TCP header
    (eth(ipv4(icmp(11, 0, 0, ipv4(tcp(sport=1234, dport=80, src="10.0.0.2", dst="1.2.3.4"),
                                  src="10.0.0.2", dst="1.2.3.4")[:48]), proto=1)), None,
     dict(icmp_type=11, icmp_code=0, l4_csum_ok=True,
          icmp_quote=dict(ip_src="10.0.0.2", ip_dst="1.2.3.4", ip_proto=6, sport=1234, dport=80)),
     []),
    # 39: fragmentation needed quoting only 8 bytes of TCP (as routers do)
    (eth(ipv4(icmp(3, 4, 1400, ipv4(tcp(sport=4321, dport=443, src="10.0.0.2", dst="1.2.3.4"),
                                    src="10.0.0.2", dst="1.2.3.4")[:28]), proto=1)), None,
     dict(icmp_type=3, icmp_code=4, l4_csum_ok=True,
          icmp_quote=dict(ip_src="10.0.0.2", ip_dst="1.2.3.4", ip_proto=6, sport=4321,
                          dport=443)),
     []),
]

# Substrings the plain output must contain, by frame number.
TEXT = {
    1: ["tcp 40000 > 80 [S] seq 123456789", "mss 1460", "wscale 7", "sackOK",
        "ts 1000 ecr 0", "csum ok"],
    2: ["[SA]", "csum BAD"],
    4: ["udp 5000 > 53", "csum none"],
    5: ["vlan 100 pcp 3"],
    7: ["dhcp request DISCOVER", "requested 192.168.1.50", 'hostname "exo"'],
    10: ["icmp type 3 code 3", "quoting 10.0.0.2 > 10.9.9.9 proto 17 ports 33434 > 33435"],
    11: ["arp who-has 10.0.0.2 tell 10.0.0.1"],
    13: ["MALFORMED ipv4: truncated"],
    14: ["len 1054 (captured 80)", "csum unverified"],
    15: ["capture ends in the tcp header"],
    16: ["fragment offset 1480"],
}


def pcap_bytes(frames, linktype=1):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for i, (data, caplen) in enumerate(frames):
        cap = data[:caplen] if caplen is not None else data
        out += struct.pack("<IIII", 1700000000 + i, 0, len(cap), len(data)) + cap
    return out


def same(a, b):
    """Equality that tells true from 1 (JSON booleans are not numbers here)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def check(json_path, text_path):
    errors = []
    lines = open(json_path, encoding="utf-8").read().splitlines()
    if len(lines) != len(FRAMES):
        errors.append("--json printed %d lines for %d frames" % (len(lines), len(FRAMES)))
    for i, (line, (data, caplen, want, absent)) in enumerate(zip(lines, FRAMES), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            errors.append("frame %d: not JSON (%s): %s" % (i, e, line))
            continue
        full = dict(n=i, caplen=len(data) if caplen is None else caplen, len=len(data))
        full.update(want)
        for k in ("n", "caplen", "len", "malformed"):
            if k not in o:
                errors.append("frame %d: key %s missing" % (i, k))
        for k, v in full.items():
            if k not in o:
                errors.append("frame %d: %s missing (want %r)" % (i, k, v))
            elif not same(o[k], v):
                errors.append("frame %d: %s = %r, want %r" % (i, k, o[k], v))
        for k in absent:
            if k in o:
                errors.append("frame %d: %s = %r should be absent" % (i, k, o[k]))
    text = open(text_path, encoding="utf-8").read().splitlines()
    if len(text) != len(FRAMES):
        errors.append("plain output has %d lines for %d frames" % (len(text), len(FRAMES)))
    for i, line in enumerate(text, 1):
        if not line.startswith("%d " % i):
            errors.append("plain line %d does not start with its number: %s" % (i, line))
        for s in TEXT.get(i, []):
            if s not in line:
                errors.append("plain line %d lacks %r: %s" % (i, s, line))
    for e in errors:
        print("FAIL: " + e)
    print("decode fixture: %d frames, %d expected fields, %d checked absent, %d text checks: %s"
          % (len(FRAMES), sum(len(w) for _, _, w, _ in FRAMES),
             sum(len(a) for _, _, _, a in FRAMES), sum(len(v) for v in TEXT.values()),
             "FAILED" if errors else "ok"))
    return 1 if errors else 0


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        open(sys.argv[2], "wb").write(pcap_bytes([(d, c) for d, c, _, _ in FRAMES]))
    elif cmd == "write-linktype":
        open(sys.argv[2], "wb").write(pcap_bytes([], int(sys.argv[3])))
    elif cmd == "write-cut":
        b = pcap_bytes([(d, c) for d, c, _, _ in FRAMES[:3]])
        open(sys.argv[2], "wb").write(b[:-20])
    elif cmd == "check":
        return check(sys.argv[2], sys.argv[3])
    else:
        print("usage: decode_fixture.py write|write-linktype|write-cut|check ...")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
