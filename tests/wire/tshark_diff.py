#!/usr/bin/python3
"""Differential test: `exonet decode --json` against tshark, frame by frame.

For every capture, both tools decode every frame; frame counts, wire and captured
lengths are compared for all. For the frames that either tool sees as IPv4 straight
behind Ethernet (and up to two VLAN tags), this compares the MACs and the IPv4 header
(addresses, protocol, total length, TTL, MF flag, fragment offset, header checksum
verdict) and, for the protocol right after that IPv4 header: TCP (ports, flags, raw
seq/ack, raw window, checksum verdict, payload length, urgent pointer, MSS, window
scale, SACK-permitted, timestamps, SACK blocks), UDP (ports, payload length, checksum
verdict or "absent"; DHCP message type, xid, yiaddr, requested address, server id,
lease time, mask, routers, DNS servers, host name) and ICMP (type, code, checksum
verdict, and the quoted inner IPv4 header and ports of ICMP errors). tshark's fields
for a layer are tied to it through frame.protocols: an ICMP error's only udp.* fields
are the quoted datagram's, a tunnel's inner ip.* fields come second.

Where tshark legitimately sees a frame differently, the frame (or one field of it)
falls under a named rule below. Every rule is printed with how many frames it covered,
and every rule states what must still hold; anything else is a mismatch and fails the
test. Nothing is skipped silently.

tshark runs with IP reassembly and TCP desegmentation off, so that each frame is
dissected on its own (as exonet does); checksum checks are on.

Usage: tshark_diff.py --exonet BIN --pcap-dir DIR [--min-files N] [--jobs N] [--verbose]
                      [--allow-absent-kinds]
Exit: 0 all compared frames agree, 1 mismatches (or too few files), 77 tshark missing.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys

# Comparison rules: name -> what it covers and what is still checked. Printed in the
# summary with their counts.
RULES = {
    "libpcap_clamps_to_snaplen": "the record's caplen exceeds the file's snaplen: libpcap "
                                 "(exonet) keeps snaplen bytes, tshark's reader all of them "
                                 "(checked against the raw file); checksum verdicts exonet "
                                 "then cannot give are not compared",
    "not_ipv4": "neither tool sees IPv4 right behind Ethernet/VLAN (ARP, IPv6, LLC, ...): "
                "out of scope, counted only",
    "encapsulated_ipv4": "tshark finds IPv4 only inside another encapsulation exonet does "
                         "not decode (MPLS, PPPoE, GRE, ...); exonet must report no IPv4",
    "tshark_not_ip": "exonet decodes ethertype 0x0800 as IPv4 but tshark's first dissector "
                     "for it is not 'ip' (heuristics); exonet's IPv4 is not compared",
    "exonet_rejects_ipv4": "exonet reports the IPv4 header malformed; tshark must complain "
                           "about the IPv4 header too (REJECT_EVIDENCE)",
    "ip_total_length_zero": "IPv4 total length 0 (TSO/BIG TCP capture): tshark takes the "
                            "length from the frame, exonet rejects it as RFC 791 does; the "
                            "header must really say 0",
    "snapped_in_ip_header": "the capture ends inside the IPv4 header (caplen < len); "
                            "exonet reports it snapped",
    "too_many_vlan_tags": "more VLAN tags than exonet supports (2); exonet reports the "
                          "ethernet layer malformed",
    "ip_fragment_nonfirst": "non-first IPv4 fragment: IP fields compared, exonet must show "
                            "no L4 fields",
    "ip_fragment_first": "first IPv4 fragment (MF): IP and L4 header fields compared; the L4 "
                         "checksum falls under l4_csum_unverifiable",
    "ip_proto_other": "IPv4 carrying a protocol other than TCP/UDP/ICMP: IP fields compared "
                      "only",
    "exonet_rejects_l4": "exonet reports the TCP/UDP/ICMP header malformed; tshark must "
                         "complain about that layer too (REJECT_EVIDENCE); IP fields still "
                         "compared",
    "l4_rejected_in_snapped_header": "the TCP/UDP/ICMP header is too short on the wire (by "
                                     "the IPv4 total length) and also cut by the capture: "
                                     "exonet judges by the wire lengths, tshark stops at the "
                                     "capture's end without a message",
    "snapped_in_l4_header": "the capture ends inside the TCP/UDP/ICMP header (caplen < len); "
                            "exonet reports it snapped; IP fields still compared",
    "l4_csum_unverifiable": "bytes the L4 checksum covers were not captured (caplen < len) "
                            "or the datagram is an IP fragment: exonet omits the verdict and "
                            "tshark must say unverified",
    "tshark_l4_not_dissected": "tshark did not dissect the IPv4 payload as the protocol "
                               "field says (it shows data or nothing, e.g. for an empty "
                               "payload); exonet's L4 fields or L4 verdict are not compared",
    "tcp_option_repeated": "a TCP option (MSS, window scale, timestamps) appears twice: the "
                           "wire layer keeps the last value (as Linux does), tshark lists "
                           "all; exonet's must equal tshark's last",
    "dhcp_field_out_of_range": "DHCP op other than 1/2 or message type outside 1..8 (e.g. "
                               "RFC 4388 lease query): the wire layer rejects them as its "
                               "header documents; tshark's op or type must really be out of "
                               "range; UDP fields still compared",
    "dhcp_hw_not_ethernet": "DHCP hardware type/length other than Ethernet (1/6): the wire "
                            "layer supports only Ethernet and says so; tshark's hw type/len "
                            "must differ from 1/6",
    "exonet_rejects_dhcp": "exonet reports the DHCP message malformed; tshark must complain "
                           "about DHCP too (REJECT_EVIDENCE); UDP fields still compared",
    "dhcp_snapped": "the capture ends inside the DHCP message: exonet decodes no DHCP",
    "dhcp_other_ports": "tshark decodes DHCP/BOOTP on a port pair exonet does not treat as "
                        "DHCP (exonet: both ports in {67, 68})",
    "dhcp_hostname_not_printable": "the DHCP host name holds bytes tshark and exonet escape "
                                   "differently; the host name alone is not compared",
    "icmp_quote_not_decoded": "tshark decodes the datagram an ICMP error quotes but exonet "
                              "has too few quoted bytes for it (it needs the whole inner "
                              "header); the outer ICMP fields are still compared",
}

TSHARK_FIELDS = [
    "frame.number", "frame.len", "frame.cap_len", "frame.protocols",
    "eth.src", "eth.dst",
    "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.ttl", "ip.flags.mf", "ip.frag_offset",
    "ip.checksum.status",
    "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw",
    "tcp.window_size_value", "tcp.checksum.status",
    "udp.srcport", "udp.dstport", "udp.checksum.status",
    "icmp.type", "icmp.code", "icmp.checksum.status",
    "tcp.len", "tcp.urgent_pointer", "tcp.options.mss_val", "tcp.options.wscale.shift",
    "tcp.options.sack_perm", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr",
    "tcp.options.sack_le", "tcp.options.sack_re", "udp.length",
    "dhcp.option.dhcp", "dhcp.id", "dhcp.ip.your", "dhcp.option.requested_ip_address",
    "dhcp.option.dhcp_server_id", "dhcp.option.ip_address_lease_time",
    "dhcp.option.subnet_mask", "dhcp.option.router", "dhcp.option.domain_name_server",
    "dhcp.option.hostname", "dhcp.hw.type", "dhcp.hw.len", "dhcp.type",
    "_ws.expert.message",
]
TSHARK_PREFS = [
    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
    "-o", "udp.check_checksum:TRUE", "-o", "ip.defragment:FALSE",
    "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "tcp.relative_sequence_numbers:FALSE",
]
# tshark checksum status values
CS_BAD, CS_GOOD, CS_UNVERIFIED, CS_NOT_PRESENT, CS_ILLEGAL = 0, 1, 2, 3, 4
FLAG_LETTERS = "FSRPAUEC"  # exonet's documented order, bit 0 first

# Ethernet, up to two VLAN tags (tshark calls an 802.1ad tag "ieee8021ad"), then IPv4.
OUTER_IP = re.compile(r"^eth:ethertype(?::(?:vlan|ieee8021ad):ethertype){0,2}:ip(?::|$)")
VLANS = re.compile(r"^eth:ethertype((?::(?:vlan|ieee8021ad):ethertype)*):")


def tshark_frames(tshark, path):
    cmd = [tshark, "-n", "-r", path] + TSHARK_PREFS + ["-T", "fields", "-E", "aggregator=|",
                                                      "-E", "occurrence=a"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frames = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        cols = line.split("\t")
        if len(cols) != len(TSHARK_FIELDS):
            continue
        row = {}
        for name, val in zip(TSHARK_FIELDS, cols):
            row[name] = val.split("|") if val != "" else []
        frames[int(row["frame.number"][0])] = row
    return frames


def exonet_frames(exonet, path):
    p = subprocess.run([exonet, "decode", "--json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    frames = {}
    for line in p.stdout.decode("utf-8").splitlines():
        o = json.loads(line)
        frames[o["n"]] = o
    return p.returncode, p.stderr.decode("utf-8", "replace").strip(), frames


def first(row, field):
    v = row.get(field) or []
    return v[0] if v else None


def nth(row, field, i):
    v = row.get(field) or []
    return v[i] if len(v) > i else None


def as_int(s):
    if s is None:
        return None
    return int(s, 16) if s.startswith("0x") else int(s)


# What tshark must say about a frame whose header exonet rejects: one of its expert
# messages about that layer. When a header has several bad fields, the two tools may name
# different ones first, so any of tshark's complaints about the layer counts; so does an
# exception ("Malformed Packet") when the layer is the last tshark reached.
REJECT_EVIDENCE = {
    "ipv4": r"IPv4 total length exceeds packet length|Bogus IP length|"
            r"Bogus IP header length|Bogus IPv4 version",
    "udp": r"Bad length value \d+ [<>]",
    "tcp": r"Bogus TCP header length|does not contain a full TCP header|option length|"
           r"length byte past end of options",
    "icmp": r"(?!)",
    "dhcp": r"(?!)",
}


def tshark_agrees(row, reason):
    """True if tshark complains about the layer whose header exonet rejects."""
    layer = reason.split(":")[0]
    messages = "|".join(row.get("_ws.expert.message", []))
    if re.search(REJECT_EVIDENCE.get(layer, r"(?!)"), messages):
        return True
    protos = first(row, "frame.protocols") or ""
    # tshark's name for the layer, and for the sub-dissectors of its header's parts (an
    # MPTCP option is dissected as "mptcp" inside the TCP header)
    names = {"ipv4": ("ip",), "tcp": ("tcp", "mptcp")}.get(layer, (layer,))
    return "Malformed Packet" in messages and protos.split(":")[-1] in names


def flags_to_letters(v):
    return "".join(FLAG_LETTERS[i] for i in range(8) if v & (1 << i))


class Diff:
    def __init__(self):
        self.rules = collections.Counter()
        self.compared = collections.Counter()  # frames compared per kind
        self.fields = 0                        # individual field comparisons
        self.mismatches = []
        self.files_compared = set()  # files with TCP/UDP/ICMP frames compared
        self.ip_files = set()        # files with IPv4 frames compared
        self.rule_examples = {}
        self.checked = collections.defaultdict(set)  # frame -> names of fields compared

    def rule(self, name, where):
        assert name in RULES, name
        self.rules[name] += 1
        self.rule_examples.setdefault(name, where)

    def mismatch(self, where, what):
        self.mismatches.append("%s: %s" % (where, what))

    def eq(self, where, name, exo, tsh):
        self.fields += 1
        self.checked[where].add(name)
        if exo != tsh:
            self.mismatch(where, "%s: exonet %r, tshark %r" % (name, exo, tsh))


def compare_csum(d, where, name, exo_ok, status, omittable):
    """exo_ok: exonet's verdict, True/False/None (omitted); status: tshark's checksum
    status. exonet may omit a verdict only when `omittable` (bytes it covers were not
    captured, or the datagram is a fragment); tshark must then not have verified it."""
    if exo_ok is None:
        if omittable == "clamped":  # rule libpcap_clamps_to_snaplen, counted there
            return
        if not omittable:
            d.mismatch(where, "%s: exonet omits the verdict on a whole datagram" % name)
        elif status != CS_UNVERIFIED:
            d.mismatch(where, "%s: exonet gives no verdict, tshark status %r" % (name, status))
        else:
            d.rule("l4_csum_unverifiable", where)
        d.checked[where].add(name)
        return
    if status in (CS_GOOD, CS_BAD):
        d.eq(where, name, exo_ok, status == CS_GOOD)
    else:
        d.checked[where].add(name)
        d.mismatch(where, "%s: exonet says %s, tshark status %r" % (name, exo_ok, status))


def compare_frame(d, where, e, t):
    protos = (first(t, "frame.protocols") or "")
    d.eq(where, "len", e["len"], as_int(first(t, "frame.len")))
    t_caplen = as_int(first(t, "frame.cap_len"))
    clamped = False
    if e["caplen"] != t_caplen:
        raw_caplen = e["_raw"][0]
        snaplen = e["_snaplen"]
        if raw_caplen == t_caplen and snaplen is not None and raw_caplen > snaplen and \
                e["caplen"] == snaplen:
            d.rule("libpcap_clamps_to_snaplen", where)
            clamped = True
        else:
            d.mismatch(where, "caplen: exonet %r, tshark %r" % (e["caplen"], t_caplen))
    else:
        d.checked[where].add("caplen")
    t_ip = bool(OUTER_IP.match(protos))
    e_ipv4_type = e.get("ethertype") == 0x0800
    mal = e.get("malformed") or ""
    snapped = e.get("snapped")

    if not t_ip and not e_ipv4_type:
        if ":ip:" in protos + ":" and "ip_src" in e:
            d.mismatch(where, "exonet decoded IPv4 that tshark has only encapsulated")
        elif ":ip:" in (protos + ":"):
            m = VLANS.match(protos)
            if m and m.group(1).count(":ethertype") > 2 and mal.startswith("ethernet:"):
                d.rule("too_many_vlan_tags", where)
            else:
                d.rule("encapsulated_ipv4", where)
        else:
            d.rule("not_ipv4", where)
        return
    if t_ip and not e_ipv4_type:
        m = VLANS.match(protos)
        if m and m.group(1).count(":ethertype") > 2 and mal.startswith("ethernet:"):
            d.rule("too_many_vlan_tags", where)
        else:
            d.mismatch(where, "tshark sees IPv4 (%s), exonet ethertype %r malformed %r" %
                       (protos, e.get("ethertype"), e.get("malformed")))
        return
    if e_ipv4_type and not t_ip:
        d.rule("tshark_not_ip", where)
        return

    # Both see IPv4 behind Ethernet. Is exonet's IPv4 header decoded?
    if "ip_src" not in e:
        if snapped == "ipv4":
            if e["caplen"] >= e["len"]:
                d.mismatch(where, "exonet says snapped but caplen >= len")
            else:
                d.rule("snapped_in_ip_header", where)
        elif mal.startswith("ipv4:"):
            if as_int(first(t, "ip.len")) is not None and "total length" in mal and \
                    raw_total_length_zero(e, t):
                d.rule("ip_total_length_zero", where)
            elif tshark_agrees(t, mal):
                d.rule("exonet_rejects_ipv4", where)
            else:
                d.mismatch(where, "exonet rejects IPv4 (%s), tshark does not say so: %r" %
                           (mal, t.get("_ws.expert.message")))
        else:
            d.mismatch(where, "exonet has no IPv4 fields and says neither malformed nor "
                       "snapped: %r" % (e,))
        return

    d.ip_files.add(where.split("#")[0])
    d.compared["ipv4"] += 1
    d.eq(where, "eth_src", e["eth_src"], first(t, "eth.src"))
    d.eq(where, "eth_dst", e["eth_dst"], first(t, "eth.dst"))
    d.eq(where, "ip_src", e["ip_src"], first(t, "ip.src"))
    d.eq(where, "ip_dst", e["ip_dst"], first(t, "ip.dst"))
    d.eq(where, "ip_proto", e["ip_proto"], as_int(first(t, "ip.proto")))
    d.eq(where, "ip_len", e["ip_len"], as_int(first(t, "ip.len")))
    d.eq(where, "ttl", e["ttl"], as_int(first(t, "ip.ttl")))
    d.eq(where, "ip_mf", e["ip_mf"], as_int(first(t, "ip.flags.mf")) == 1)
    d.eq(where, "frag_offset", e["frag_offset"], 8 * as_int(first(t, "ip.frag_offset") or "0"))
    compare_csum(d, where, "ip_csum_ok", e.get("ip_csum_ok"),
                 as_int(first(t, "ip.checksum.status")), False)

    proto = e["ip_proto"]
    if e["frag_offset"] != 0:
        d.rule("ip_fragment_nonfirst", where)
        for k in ("sport", "dport", "icmp_type", "tcp_flags", "l4_csum_ok"):
            if k in e:
                d.mismatch(where, "non-first fragment has L4 field %s" % k)
        return
    if proto not in (1, 6, 17):
        d.rule("ip_proto_other", where)
        return
    name = {1: "icmp", 6: "tcp", 17: "udp"}[proto]
    rest = OUTER_IP.sub("", protos)
    nxt = rest.split(":")[0] if rest else ""
    if mal.split(":")[0] in ("tcp", "udp", "icmp"):
        l4_captured = e["caplen"] - (14 + 4 * len(e.get("vlan", [])) + e["ip_hl"])
        if nxt != name:
            d.rule("tshark_l4_not_dissected", where)
        elif tshark_agrees(t, mal):
            d.rule("exonet_rejects_l4", where)
        elif e["caplen"] < e["len"] and l4_captured < (20 if proto == 6 else 8):
            d.rule("l4_rejected_in_snapped_header", where)
        else:
            d.mismatch(where, "exonet rejects L4 (%s), tshark does not say so: %r" %
                       (mal, t.get("_ws.expert.message")))
        return
    if snapped in ("tcp", "udp", "icmp"):
        if e["caplen"] >= e["len"]:
            d.mismatch(where, "exonet says snapped but caplen >= len")
        else:
            d.rule("snapped_in_l4_header", where)
        return

    has_l4 = ("icmp_type" in e) if proto == 1 else ("sport" in e)
    if not has_l4:
        d.mismatch(where, "exonet has no %s fields and says neither malformed nor snapped" % name)
        return
    if nxt != name:
        d.rule("tshark_l4_not_dissected", where)
        return
    if e["ip_mf"]:
        d.rule("ip_fragment_first", where)
        if "l4_csum_ok" in e:
            d.mismatch(where, "first fragment has an L4 checksum verdict")
            return
    d.compared[name] += 1
    d.files_compared.add(where.split("#")[0])
    omittable = e["caplen"] < e["len"] or e["ip_mf"]
    if clamped and "l4_csum_ok" not in e:
        d.checked[where].add("l4_csum_ok(%s)" % name)
        omittable = "clamped"

    if proto == 6:
        d.eq(where, "sport", e["sport"], as_int(first(t, "tcp.srcport")))
        d.eq(where, "dport", e["dport"], as_int(first(t, "tcp.dstport")))
        d.eq(where, "tcp_flags", e["tcp_flags"],
             flags_to_letters(as_int(first(t, "tcp.flags")) & 0xff))
        d.eq(where, "seq", e["seq"], as_int(first(t, "tcp.seq_raw")))
        # tshark shows the raw ack only when the ACK flag is set
        t_ack = as_int(first(t, "tcp.ack_raw"))
        if "A" in e["tcp_flags"] or t_ack is not None:
            d.eq(where, "ack", e["ack"], t_ack)
        d.eq(where, "win", e["win"], as_int(first(t, "tcp.window_size_value")))
        compare_csum(d, where, "l4_csum_ok(tcp)", e.get("l4_csum_ok"),
                     as_int(first(t, "tcp.checksum.status")), omittable)
        compare_tcp_options(d, where, e, t)
    elif proto == 17:
        d.eq(where, "sport", e["sport"], as_int(first(t, "udp.srcport")))
        d.eq(where, "dport", e["dport"], as_int(first(t, "udp.dstport")))
        st = as_int(first(t, "udp.checksum.status"))
        d.eq(where, "udp checksum absent", not e["udp_csum_present"], st == CS_NOT_PRESENT)
        if e["udp_csum_present"]:
            compare_csum(d, where, "l4_csum_ok(udp)", e.get("l4_csum_ok"), st, omittable)
        d.eq(where, "payload_len(udp)", e["payload_len"], as_int(first(t, "udp.length")) - 8)
        compare_dhcp(d, where, e, t, rest)
    else:
        d.eq(where, "icmp_type", e["icmp_type"], as_int(first(t, "icmp.type")))
        d.eq(where, "icmp_code", e["icmp_code"], as_int(first(t, "icmp.code")))
        compare_csum(d, where, "l4_csum_ok(icmp)", e.get("l4_csum_ok"),
                     as_int(first(t, "icmp.checksum.status")), omittable)
        compare_icmp_quote(d, where, e, t, rest)


def raw_total_length_zero(e, t):
    """The IPv4 total length field really is 0 (tshark then reports the frame length)."""
    return e["_raw"][2] == 0


def compare_tcp_options(d, where, e, t):
    """Payload length, urgent pointer and options of the outer TCP header (the first
    occurrence of each tshark field: nothing precedes the outer TCP layer)."""
    if "payload_len" in e:
        d.eq(where, "payload_len(tcp)", e["payload_len"], as_int(first(t, "tcp.len")))
    if "U" in e["tcp_flags"]:
        d.eq(where, "urg", e.get("urg"), as_int(first(t, "tcp.urgent_pointer")))
    for key, field in (("mss", "tcp.options.mss_val"), ("wscale", "tcp.options.wscale.shift")):
        values = [as_int(v) for v in t.get(field, [])]
        if len(values) > 1 and e.get(key) == values[-1]:
            d.rule("tcp_option_repeated", where)  # the wire layer keeps the last, as Linux
            d.checked[where].add(key)
        else:
            d.eq(where, key, e.get(key), values[0] if values else None)
    d.eq(where, "sack_perm", e.get("sack_perm", False), bool(t.get("tcp.options.sack_perm")))
    tsv = [as_int(v) for v in t.get("tcp.options.timestamp.tsval", [])]
    tse = [as_int(v) for v in t.get("tcp.options.timestamp.tsecr", [])]
    if len(tsv) > 1 and (e.get("ts_val"), e.get("ts_ecr")) == (tsv[-1], tse[-1]):
        d.rule("tcp_option_repeated", where)
        d.checked[where].add("ts_val")
    else:
        d.eq(where, "ts_val", e.get("ts_val"), tsv[0] if tsv else None)
        d.eq(where, "ts_ecr", e.get("ts_ecr"), tse[0] if tse else None)
    t_sack = [[as_int(a), as_int(b)] for a, b in zip(t.get("tcp.options.sack_le", []),
                                                    t.get("tcp.options.sack_re", []))]
    d.eq(where, "sack", e.get("sack", []), t_sack)


def compare_dhcp(d, where, e, t, rest):
    """DHCP behind the outer UDP: message type and the main options, first values."""
    parts = rest.split(":")
    t_dhcp = len(parts) >= 2 and parts[1] == "dhcp"
    mal = e.get("malformed") or ""
    if mal.startswith("dhcp:"):
        t_type = as_int(first(t, "dhcp.option.dhcp"))
        t_op = as_int(first(t, "dhcp.type"))
        if mal == "dhcp: forbidden field value" and t_dhcp and \
                (t_op not in (1, 2) or (t_type is not None and not 1 <= t_type <= 8)):
            d.rule("dhcp_field_out_of_range", where)
        elif mal == "dhcp: unsupported hardware or protocol type" and t_dhcp and \
                (as_int(first(t, "dhcp.hw.type")), as_int(first(t, "dhcp.hw.len"))) != (1, 6):
            d.rule("dhcp_hw_not_ethernet", where)
        elif t_dhcp and tshark_agrees(t, mal):
            d.rule("exonet_rejects_dhcp", where)
        else:
            d.mismatch(where, "exonet rejects DHCP (%s), tshark does not say so: %r" %
                       (mal, t.get("_ws.expert.message")))
        return
    if "dhcp_op" not in e:
        if t_dhcp:
            if e.get("snapped") == "dhcp":
                d.rule("dhcp_snapped", where)
            elif not ({e["sport"], e["dport"]} <= {67, 68}):
                d.rule("dhcp_other_ports", where)
            else:
                d.mismatch(where, "tshark decodes DHCP, exonet does not")
        return
    if not t_dhcp:
        d.mismatch(where, "exonet decodes DHCP, tshark does not (%s)" % rest)
        return
    d.compared["dhcp"] += 1
    d.eq(where, "dhcp_msg_type", e["dhcp_msg_type"], as_int(first(t, "dhcp.option.dhcp")) or 0)
    d.eq(where, "dhcp_xid", e["dhcp_xid"], as_int(first(t, "dhcp.id")))
    d.eq(where, "dhcp_yiaddr", e["dhcp_yiaddr"], first(t, "dhcp.ip.your"))
    d.eq(where, "dhcp_requested_ip", e.get("dhcp_requested_ip"),
         first(t, "dhcp.option.requested_ip_address"))
    d.eq(where, "dhcp_server_id", e.get("dhcp_server_id"), first(t, "dhcp.option.dhcp_server_id"))
    d.eq(where, "dhcp_lease_time", e.get("dhcp_lease_time"),
         as_int(first(t, "dhcp.option.ip_address_lease_time")))
    d.eq(where, "dhcp_subnet_mask", e.get("dhcp_subnet_mask"),
         first(t, "dhcp.option.subnet_mask"))
    # exonet keeps at most 4 routers and 4 DNS servers (EXO_DHCP_MAX_*)
    routers = t.get("dhcp.option.router", [])
    d.eq(where, "dhcp_routers", e.get("dhcp_routers"), routers[:4] or None)
    dns = t.get("dhcp.option.domain_name_server", [])
    d.eq(where, "dhcp_dns", e.get("dhcp_dns"), dns[:4] or None)
    host = e.get("dhcp_hostname")
    if host is None or re.match(r"^[\x21-\x7e]*$", host):
        d.eq(where, "dhcp_hostname", host, first(t, "dhcp.option.hostname"))
    else:
        d.rule("dhcp_hostname_not_printable", where)


def compare_icmp_quote(d, where, e, t, rest):
    """rest: frame.protocols after the outer 'ip', e.g. 'icmp:ip:udp:dns'."""
    parts = rest.split(":")
    t_quote = len(parts) >= 2 and parts[1] == "ip"
    q = e.get("icmp_quote")
    if not t_quote:
        if q is not None:
            d.mismatch(where, "exonet decodes an ICMP quote tshark does not (%s)" % rest)
        return
    if q is None:
        d.rule("icmp_quote_not_decoded", where)
        return
    d.compared["icmp_quote"] += 1
    d.eq(where, "quote ip_src", q["ip_src"], nth(t, "ip.src", 1))
    d.eq(where, "quote ip_dst", q["ip_dst"], nth(t, "ip.dst", 1))
    d.eq(where, "quote ip_proto", q["ip_proto"], as_int(nth(t, "ip.proto", 1)))
    inner = parts[2] if len(parts) >= 3 else ""
    if "sport" in q and inner in ("udp", "tcp"):
        # the outer layer is ICMP, so the first udp/tcp occurrence is the quoted one
        d.eq(where, "quote sport", q["sport"], as_int(first(t, inner + ".srcport")))
        d.eq(where, "quote dport", q["dport"], as_int(first(t, inner + ".dstport")))


def raw_records(path):
    """Reads the classic pcap file itself (not through either tool): returns the file's
    snaplen and, per frame number, (caplen, len, raw IPv4 total length field or None).
    The rules ip_total_length_zero and libpcap_clamps_to_snaplen check against this."""
    import struct
    out = {}
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 24:
        return None, out
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    snaplen = struct.unpack(endian + "I", data[16:20])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        _, _, caplen, wlen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        n += 1
        pos, total = 12, None
        while len(frame) >= pos + 2:
            et = struct.unpack(">H", frame[pos:pos + 2])[0]
            if et in (0x8100, 0x88a8) and pos < 20:
                pos += 4
                continue
            if et == 0x0800 and len(frame) >= pos + 6:
                total = struct.unpack(">H", frame[pos + 4:pos + 6])[0]
            break
        out[n] = (caplen, wlen, total)
    return snaplen, out


def _flip(v):
    return not v


def _quote(key, fn):
    def m(e):
        e["icmp_quote"] = dict(e["icmp_quote"])
        e["icmp_quote"][key] = fn(e["icmp_quote"][key])
    return m


def _set(key, fn):
    def m(e):
        e[key] = fn(e[key])
    return m


# Self-check: each mutation perturbs one field of exonet's output; every frame in which
# that field was compared must then produce a mismatch, or the comparison is blind.
MUTATIONS = [
    ("len", "len", _set("len", lambda v: v + 1)),
    ("caplen", "caplen", _set("caplen", lambda v: v + 1)),
    ("eth_src", "eth_src", _set("eth_src", lambda v: "02:00:00:00:00:01" if v != "02:00:00:00:00:01" else "02:00:00:00:00:02")),
    ("ip_src", "ip_src", _set("ip_src", lambda v: "0.0.0.1" if v != "0.0.0.1" else "0.0.0.2")),
    ("ip_dst", "ip_dst", _set("ip_dst", lambda v: "0.0.0.1" if v != "0.0.0.1" else "0.0.0.2")),
    ("ip_len", "ip_len", _set("ip_len", lambda v: v + 1)),
    ("ttl", "ttl", _set("ttl", lambda v: v ^ 1)),
    ("frag_offset", "frag_offset", _set("frag_offset", lambda v: v + 8)),
    ("ip_csum_ok", "ip_csum_ok", _set("ip_csum_ok", _flip)),
    ("sport", "sport", _set("sport", lambda v: v ^ 1)),
    ("dport", "dport", _set("dport", lambda v: v ^ 1)),
    ("tcp_flags", "tcp_flags", _set("tcp_flags", lambda v: v.replace("P", "") if "P" in v else "P" + v)),
    ("seq", "seq", _set("seq", lambda v: v ^ 1)),
    ("ack", "ack", _set("ack", lambda v: v ^ 1)),
    ("win", "win", _set("win", lambda v: v ^ 1)),
    ("l4_csum_ok", "l4_csum_ok(tcp)", _set("l4_csum_ok", _flip)),
    ("l4_csum_ok", "l4_csum_ok(udp)", _set("l4_csum_ok", _flip)),
    ("l4_csum_ok", "l4_csum_ok(icmp)", _set("l4_csum_ok", _flip)),
    ("udp_csum_present", "udp checksum absent", _set("udp_csum_present", _flip)),
    ("icmp_type", "icmp_type", _set("icmp_type", lambda v: v ^ 1)),
    ("icmp_code", "icmp_code", _set("icmp_code", lambda v: v ^ 1)),
    ("payload_len", "payload_len(tcp)", _set("payload_len", lambda v: v + 1)),
    ("payload_len", "payload_len(udp)", _set("payload_len", lambda v: v + 1)),
    ("mss", "mss", _set("mss", lambda v: v ^ 1)),
    ("wscale", "wscale", _set("wscale", lambda v: v ^ 1)),
    ("ts_val", "ts_val", _set("ts_val", lambda v: v ^ 1)),
    ("sack", "sack", _set("sack", lambda v: v[1:])),
    ("dhcp_msg_type", "dhcp_msg_type", _set("dhcp_msg_type", lambda v: v ^ 1)),
    ("dhcp_xid", "dhcp_xid", _set("dhcp_xid", lambda v: v ^ 1)),
    ("dhcp_yiaddr", "dhcp_yiaddr", _set("dhcp_yiaddr", lambda v: "0.0.0.1" if v != "0.0.0.1" else "0.0.0.2")),
    ("icmp_quote", "quote ip_src", _quote("ip_src", lambda v: "0.0.0.1" if v != "0.0.0.1" else "0.0.0.2")),
    ("icmp_quote", "quote sport", _quote("sport", lambda v: v ^ 1)),
]


def self_check(d, frames, allow_absent=False):
    """frames: [(where, exonet frame, tshark row)] of the real run. Returns failures and
    the kinds of field that occur in no compared frame (a failure unless allow_absent)."""
    failures, absent = [], []
    for key, field, mutate in MUTATIONS:
        total = caught = 0
        for where, e, t in frames:
            if field not in d.checked.get(where, ()) or key not in e:
                continue
            total += 1
            m = dict(e)
            mutate(m)
            probe = Diff()
            compare_frame(probe, where, m, t)
            if any(x.startswith(where + ":") for x in probe.mismatches):
                caught += 1
        if total == 0 and allow_absent:
            absent.append(field)
        elif total == 0 or caught != total:
            failures.append("%s: %d of %d perturbed frames caught" % (field, caught, total))
    return failures, absent


def run_file(args, path):
    rc, err, e = exonet_frames(args.exonet, path)
    t = tshark_frames(args.tshark, path)
    return path, rc, err, e, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exonet", required=True)
    ap.add_argument("--pcap-dir", required=True)
    ap.add_argument("--tshark", default=shutil.which("tshark"))
    ap.add_argument("--min-files", type=int, default=50)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--allow-absent-kinds", action="store_true",
                    help="a kind of field no frame has is reported, not a failure")
    args = ap.parse_args()
    if not args.tshark:
        print("SKIP: tshark is not installed (scripts/deps.sh test installs it)")
        return 77
    files = sorted(os.path.join(args.pcap_dir, f) for f in os.listdir(args.pcap_dir)
                   if f.endswith(".pcap") or f.endswith(".pcapng"))
    d = Diff()
    total_frames = 0
    all_frames = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for path, rc, err, e, t in ex.map(lambda p: run_file(args, p), files):
            base = os.path.basename(path)
            if rc != 0:
                d.mismatch(base, "exonet decode exit %d: %s" % (rc, err))
                continue
            if set(e) != set(t):
                d.mismatch(base, "frame counts differ: exonet %d, tshark %d" % (len(e), len(t)))
            snaplen, raw = raw_records(path)
            for n in sorted(set(e) & set(t)):
                all_frames.append(("%s#%d" % (base, n), e[n], t[n]))
                total_frames += 1
                e[n]["_raw"] = raw.get(n, (None, None, None))
                e[n]["_snaplen"] = snaplen
                compare_frame(d, "%s#%d" % (base, n), e[n], t[n])

    print("tshark differential: %d files, %d frames read; IPv4 frames compared in %d files, "
          "IPv4 TCP/UDP/ICMP frames in %d files" % (len(files), total_frames, len(d.ip_files),
                                                    len(d.files_compared)))
    print("frames compared: ipv4 %d, tcp %d, udp %d, icmp %d (icmp quotes %d), dhcp %d; "
          "%d field comparisons" % (d.compared["ipv4"], d.compared["tcp"], d.compared["udp"],
                                    d.compared["icmp"], d.compared["icmp_quote"],
                                    d.compared["dhcp"], d.fields))
    print("rules applied (frames):")
    for name in RULES:
        ex = d.rule_examples.get(name, "")
        print("  %-28s %6d  %s" % (name, d.rules[name], ("e.g. " + ex) if ex else ""))
        if args.verbose:
            print("      " + RULES[name])
    status = 0
    failures, absent = self_check(d, all_frames, args.allow_absent_kinds)
    print("self-check: %d kinds of perturbed exonet fields, each caught in every frame "
          "where the field is compared" % (len(MUTATIONS) - len(failures) - len(absent)))
    if absent:
        print("self-check: no frame here has %s" % ", ".join(absent))
    if failures:
        print("SELF-CHECK FAILED (the comparison would miss these):")
        for f in failures:
            print("  " + f)
        status = 1
    if d.mismatches:
        print("MISMATCHES: %d" % len(d.mismatches))
        for m in d.mismatches[:60]:
            print("  " + m)
        if len(d.mismatches) > 60:
            print("  ... %d more" % (len(d.mismatches) - 60))
        status = 1
    l4_files = len(d.files_compared)
    if l4_files < args.min_files:
        print("FAIL: only %d files with TCP/UDP/ICMP frames compared (need %d)" % (l4_files,
                                                                          args.min_files))
        status = 1
    if status == 0:
        print("OK: no mismatches")
    return status


if __name__ == "__main__":
    sys.exit(main())
