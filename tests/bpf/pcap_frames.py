#!/usr/bin/env python3
"""pcap_frames.py INPUT.pcap SELECTED.pcap...: for each SELECTED capture (frames tcpdump -w
wrote from INPUT for some filter), prints one line with the 1-based numbers of the INPUT
frames it holds. The selection is an in-order subsequence of INPUT; records are matched
whole (timestamp, lengths, bytes) and greedily, which is exact even for duplicate records:
identical records get identical filter results. Prints UNMAPPED if a record is not found."""
import struct
import sys


def records(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise SystemExit(f'{path}: not a classic pcap file')
    off = 24
    out = []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(end + 'IIII', data[off:off + 16])
        if off + 16 + incl > len(data):
            break
        out.append((sec, frac, incl, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def main():
    base = records(sys.argv[1])
    for sel_path in sys.argv[2:]:
        sel = records(sel_path)
        nums, i = [], 0
        for rec in sel:
            while i < len(base) and base[i] != rec:
                i += 1
            if i == len(base):
                nums = None
                break
            nums.append(str(i + 1))
            i += 1
        print('UNMAPPED' if nums is None else ' '.join(nums))


main()
