#!/usr/bin/python3
"""Robustness over real captures: `exonet decode` (plain and --json) on every frame of
every capture in a folder, with the exonet binary of the build under test (under
ASan+UBSan in the sanitizer build).

Fails on: a non-zero exit for a readable file, anything on stderr (sanitizer reports
included), a line count different from the number of records in the file (counted here
from the file itself), output that is not one JSON object per frame, frame numbers out of
sequence, a malformed reason not of the form "LAYER: reason", or output that breaks the
documented invariants (no L4 fields for non-first fragments, no L4 checksum verdict for
fragments or snapped captures, tcp_flags letters in the documented order).

Then the same for frames derived from those captures (and --extra ones) by cutting the
capture short at random places and changing random header bytes (seeded: --seed), which
drives the decoder's handling of snapped frames and odd fields much harder than the
captures alone.

Usage: pcaps_decode_check.py --exonet BIN --pcap-dir DIR [--jobs N] [--mutants N]
                             [--seed N] [--extra FILE.pcap] [--workdir DIR]
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import struct
import subprocess
import sys

LAYERS = ("ethernet", "arp", "ipv4", "icmp", "udp", "tcp", "dhcp")
FLAGS = re.compile(r"^F?S?R?P?A?U?E?C?$")
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:|SUMMARY: ")


def read_records(path):
    """The frames of a classic pcap file as (data, wire length); [] if it is not one."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        caplen, wlen = struct.unpack(endian + "II", data[off + 8:off + 16])
        if off + 16 + caplen > len(data):
            break
        out.append((data[off + 16:off + 16 + caplen], wlen))
        off += 16 + caplen
    return out


def write_mutants(files, out_path, count, seed):
    """Writes `count` frames made from the captures' frames by cutting the capture short
    (caplen < len) at random places and changing random bytes of the first 80 (headers),
    so that every layer is seen truncated and with odd field values."""
    import random
    rng = random.Random(seed)
    frames = []
    for f in files:
        frames.extend(d for d, _ in read_records(f) if d)
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)]
    for i in range(count):
        data = bytearray(rng.choice(frames))
        wire = len(data)
        kind = rng.randrange(4)
        if kind in (1, 3):
            for _ in range(rng.randint(1, 4)):
                pos = rng.randrange(min(80, len(data)))
                data[pos] = rng.randrange(256) if rng.random() < 0.7 else data[pos] ^ (1 << rng.randrange(8))
        if kind in (0, 3):
            cut = rng.randint(0, len(data))
            data = data[:cut]
            if rng.random() < 0.2:
                wire += rng.randint(0, 70000)
        if kind == 2:
            data = data[:rng.randint(0, min(len(data), 64))]
            wire = len(data)
        out.append(struct.pack("<IIII", i, 0, len(data), max(wire, len(data))) + bytes(data))
    with open(out_path, "wb") as fh:
        fh.write(b"".join(out))


def count_records(path):
    """Number of records in a classic pcap file, or None if it is not one."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return None
    off, n = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16 + caplen
        if off > len(data):
            return None  # cut short: libpcap reports an error, handled by the exit check
        n += 1
    return n


def check_object(o, n, errors, where):
    if o.get("n") != n:
        errors.append("%s: frame number %r, want %d" % (where, o.get("n"), n))
    for k in ("caplen", "len", "malformed"):
        if k not in o:
            errors.append("%s: key %s missing" % (where, k))
    mal = o.get("malformed")
    if mal is not None:
        layer, _, reason = mal.partition(": ")
        if layer not in LAYERS or not reason:
            errors.append("%s: malformed reason %r is not 'LAYER: reason'" % (where, mal))
    if "snapped" in o and o["snapped"] not in LAYERS:
        errors.append("%s: snapped layer %r unknown" % (where, o["snapped"]))
    if o.get("frag_offset", 0) != 0:
        for k in ("sport", "dport", "icmp_type", "tcp_flags", "payload_len", "l4_csum_ok"):
            if k in o:
                errors.append("%s: non-first fragment shows %s" % (where, k))
    if "l4_csum_ok" in o:
        if o.get("ip_mf") or o.get("frag_offset", 0) != 0:
            errors.append("%s: L4 checksum verdict on an IP fragment" % where)
        if o.get("snapped"):
            errors.append("%s: L4 checksum verdict on a snapped frame" % where)
    if "tcp_flags" in o and not FLAGS.match(o["tcp_flags"]):
        errors.append("%s: tcp_flags %r not in FSRPAUEC order" % (where, o["tcp_flags"]))
    if o.get("caplen", 0) >= o.get("len", 0) and o.get("snapped"):
        errors.append("%s: snapped although caplen >= len" % where)


def run(exonet, path):
    errors = []
    base = os.path.basename(path)
    records = count_records(path)
    out = {}
    for mode in ("text", "json"):
        args = [exonet, "decode"] + (["--json"] if mode == "json" else []) + [path]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
            errors.append("%s (%s): exit %d: %s" % (base, mode, p.returncode, err.strip()[:2000]))
        elif err:
            errors.append("%s (%s): stderr: %s" % (base, mode, err.strip()[:2000]))
        if SANITIZER.search(err):
            errors.append("%s (%s): sanitizer report" % (base, mode))
        try:
            out[mode] = p.stdout.decode("utf-8").splitlines()
        except UnicodeDecodeError as e:
            errors.append("%s (%s): output is not UTF-8: %s" % (base, mode, e))
            out[mode] = []
    counts = collections.Counter()
    for i, line in enumerate(out["json"], 1):
        where = "%s#%d" % (base, i)
        try:
            o = json.loads(line)
        except ValueError as e:
            errors.append("%s: not JSON (%s): %s" % (where, e, line[:200]))
            continue
        if not isinstance(o, dict):
            errors.append("%s: not a JSON object" % where)
            continue
        check_object(o, i, errors, where)
        counts["malformed" if o.get("malformed") else "snapped" if o.get("snapped") else "ok"] += 1
    for i, line in enumerate(out["text"], 1):
        if not line.startswith("%d " % i):
            errors.append("%s#%d: plain line does not start with its number" % (base, i))
            break
    if len(out["text"]) != len(out["json"]):
        errors.append("%s: %d plain lines, %d JSON lines" % (base, len(out["text"]),
                                                             len(out["json"])))
    if records is not None and len(out["json"]) != records:
        errors.append("%s: %d JSON lines for %d records" % (base, len(out["json"]), records))
    return base, records, counts, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exonet", required=True)
    ap.add_argument("--pcap-dir", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mutants", type=int, default=20000,
                    help="frames to derive by cutting and changing captured frames")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra", action="append", default=[],
                    help="more captures to decode and to derive mutants from")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("--write-mutants", metavar="OUT.pcap",
                    help="only write --mutants derived frames to OUT.pcap (for tshark_diff)")
    args = ap.parse_args()
    files = sorted(os.path.join(args.pcap_dir, f) for f in os.listdir(args.pcap_dir)
                   if f.endswith((".pcap", ".pcapng", ".cap")))
    if not files:
        print("FAIL: no captures in %s" % args.pcap_dir)
        return 1
    files += args.extra
    if args.write_mutants:
        write_mutants(files, args.write_mutants, args.mutants, args.seed)
        return 0
    mutant_files = []
    if args.mutants > 0:
        per_file = 5000
        for k in range(0, args.mutants, per_file):
            path = os.path.join(args.workdir, "mutants-seed%d-%d.pcap" % (args.seed, k // per_file))
            write_mutants(files, path, min(per_file, args.mutants - k), args.seed * 1000 + k)
            mutant_files.append(path)
        print("mutants: %d frames derived with seed %d (--seed to change, files kept in %s "
              "only on failure)" % (args.mutants, args.seed, args.workdir))
    files += mutant_files
    total = collections.Counter()
    errors = []
    counted = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for base, records, counts, errs in ex.map(lambda f: run(args.exonet, f), files):
            total.update(counts)
            errors.extend(errs)
            counted += records is not None
    frames = sum(total.values())
    print("decoded %d files (%d record counts checked against the file), %d frames, plain "
          "and --json: %d decoded, %d malformed, %d snapped" %
          (len(files), counted, frames, total["ok"], total["malformed"], total["snapped"]))
    for e in errors[:50]:
        print("FAIL: " + e)
    if len(errors) > 50:
        print("... %d more failures" % (len(errors) - 50))
    if not errors:
        for path in mutant_files:
            os.unlink(path)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
