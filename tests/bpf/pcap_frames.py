#!/usr/bin/env python3
"""Maps frames that tcpdump wrote (-w) back to the frames of the captures it read.

  pcap_frames.py --inputs LIST SELECTED.pcap...
      LIST names the captures tcpdump read (-V LIST), in order. For each SELECTED capture
      (number i from 1, in argument order) and each input capture, prints
      "i<TAB>CAPTURE<TAB>N N N..." with the 1-based numbers of that capture's frames that
      SELECTED holds.
  pcap_frames.py --count LIST       prints the total number of frames in the captures.
  pcap_frames.py --groups LIST DIR  splits LIST into DIR/1.list, DIR/2.list... for
      `tcpdump -V` runs and prints the number of groups. In one such run records are cut
      to the FIRST capture's snapshot length (seen on these captures), not each capture's
      own as when it is read alone. So the captures whose records all fit their own
      snapshot length go together, largest snapshot length first (nothing is cut); each
      other capture is read alone. Any remaining difference would make a record unmappable
      or change a result, and fail the test: it can never hide a mismatch.

A selection is an in-order subsequence of the concatenated inputs. Records are compared
whole (both lengths and all bytes, not timestamps, whose precision tcpdump may change) and
matched greedily, which is exact: identical records get identical filter results, so the
first equal record not yet used is always one that was selected. Exits 1 if a record
cannot be found."""
import struct
import sys


def records(path):
    with open(path, 'rb') as f:
        data = f.read()
    return parse(path, data)


def snaplen(path):
    with open(path, 'rb') as f:
        return parse(path, f.read(24), snap_only=True)


def parse(path, data, snap_only=False):
    if not data and not snap_only:
        return []  # tcpdump failed before writing anything: reported by the caller
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise SystemExit(f'{path}: not a classic pcap file')
    # libpcap cuts a record longer than the file's snapshot length down to it (and treats
    # a snapshot length of 0 or past 262144 as 262144), so the frames tcpdump and exonet see
    # are cut the same way.
    snap = struct.unpack(end + 'I', data[16:20])[0]
    if snap == 0 or snap > 262144:
        snap = 262144
    if snap_only:
        return snap
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + 'IIII', data[off:off + 16])
        if off + 16 + incl > len(data):
            break
        seen = min(incl, snap)
        out.append((seen, orig, data[off + 16:off + 16 + seen]))
        off += 16 + incl
    return out


def raw_lengths(path, data):
    """(offset, incl, orig, incl) of each record as stored, before any cutting."""
    end = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + 'IIII', data[off:off + 16])
        if off + 16 + incl > len(data):
            break
        out.append((off, incl, orig, incl))
        off += 16 + incl
    return out


def main():
    mode, listfile = sys.argv[1], sys.argv[2]
    with open(listfile) as f:
        inputs = [line.rstrip('\n') for line in f if line.strip()]
    if mode == '--groups':
        # Captures whose records all fit their own snapshot length share one run, largest
        # snapshot length first, so nothing of theirs is cut; any other capture gets a
        # run of its own.
        shared, alone = [], []
        for path in inputs:
            snap = snaplen(path)
            with open(path, 'rb') as f:
                data = f.read()
            if all(rec[3] <= snap for rec in raw_lengths(path, data)):
                shared.append((-snap, path))
            else:
                alone.append(path)
        groups = ([[p for _, p in sorted(shared)]] if shared else []) + [[p] for p in alone]
        for n, group in enumerate(groups, 1):
            with open(f'{sys.argv[3]}/{n}.list', 'w') as f:
                f.write(''.join(p + '\n' for p in group))
        print(len(groups))
        return
    base, where = [], []
    for path in inputs:
        for n, rec in enumerate(records(path), 1):
            base.append(rec)
            where.append((path, n))
    if mode == '--count':
        print(len(base))
        return
    for i, sel_path in enumerate(sys.argv[3:], 1):
        per = {path: [] for path in inputs}
        pos = 0
        for rec in records(sel_path):
            while pos < len(base) and base[pos] != rec:
                pos += 1
            if pos == len(base):
                sys.exit(f'{sel_path}: a selected record is not in the inputs')
            path, n = where[pos]
            per[path].append(str(n))
            pos += 1
        for path in inputs:
            print(f'{i}\t{path}\t{" ".join(per[path])}')


main()
