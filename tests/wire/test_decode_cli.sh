#!/usr/bin/env bash
# `exonet decode`: exit statuses and one-line messages for bad input, and the JSON and
# plain output for a capture written here byte by byte (tests/wire/decode_fixture.py),
# checked field by field.
set -uo pipefail
src=${EXONET_SOURCE_DIR:?} build=${EXONET_BUILD_DIR:?}
exonet=$build/bin/exonet
py=/usr/bin/python3
fixture=$src/tests/wire/decode_fixture.py
[[ -x $exonet ]] || { echo "FAIL: $exonet is not built"; exit 1; }
[[ -x $py ]] || { echo "SKIP: $py is missing (Debian's python3 writes the test capture)"; exit 77; }

tmp=$(mktemp -d /tmp/exonet-decode-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS STDERR_REGEX STDOUT_LINES -- ARGS...: runs exonet decode ARGS.
expect() {
  local want=$1 errre=$2 outlines=$3
  shift 4
  "$exonet" decode "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$? errn
  errn=$(wc -l <"$tmp/err")
  [[ $rc -eq $want ]] || fail "decode $*: exit $rc, want $want (stderr: $(head -c 300 "$tmp/err"))"
  if [[ -n $errre ]]; then
    [[ $errn -eq 1 ]] || fail "decode $*: $errn stderr lines, want one: $(cat "$tmp/err")"
    grep -Eq "$errre" "$tmp/err" || fail "decode $*: stderr '$(cat "$tmp/err")' does not match /$errre/"
  else
    [[ $errn -eq 0 ]] || fail "decode $*: unexpected stderr: $(head -c 300 "$tmp/err")"
  fi
  if [[ $outlines != - ]]; then
    local n
    n=$(wc -l <"$tmp/out")
    [[ $n -eq $outlines ]] || fail "decode $*: $n stdout lines, want $outlines"
  fi
}

"$py" "$fixture" write "$tmp/fx.pcap" || { echo "FAIL: cannot write the fixture"; exit 1; }
"$py" "$fixture" write-linktype "$tmp/raw.pcap" 101 # LINKTYPE_RAW (libpcap: DLT_RAW)
"$py" "$fixture" write-linktype "$tmp/sll.pcap" 113 # LINUX_SLL
"$py" "$fixture" write-linktype "$tmp/empty.pcap" 1
"$py" "$fixture" write-cut "$tmp/cut.pcap"
head -c 5000 /dev/urandom >"$tmp/garbage.pcap"
printf 'hello, this is not a capture\n' >"$tmp/text.pcap"
: >"$tmp/zero.pcap"
frames=$("$py" -c "import sys; sys.path.insert(0, '$src/tests/wire'); import decode_fixture as f; print(len(f.FRAMES))")

# Bad arguments: usage error, exit 2, one line naming the problem.
expect 2 'usage: exonet decode'          0 --
expect 2 'unknown option .--bogus.'      0 -- --bogus "$tmp/fx.pcap"
expect 2 'unknown option .-x.'           0 -- -x "$tmp/fx.pcap"
expect 2 'only one capture file'         0 -- "$tmp/fx.pcap" "$tmp/fx.pcap"
expect 2 'no capture file'               0 -- --json
# --help: usage and the JSON keys on stdout, exit 0.
expect 0 ''                              - -- --help
grep -q 'usage: exonet decode \[--json\] FILE.pcap' "$tmp/out" || fail "--help lacks the usage line"
grep -q 'tcp_flags' "$tmp/out" || fail "--help does not document tcp_flags"
# Unreadable input: exit 1, one line, nothing on stdout.
expect 1 "$tmp/missing.pcap.*(No such file|not found)" 0 -- "$tmp/missing.pcap"
expect 1 "garbage.pcap"                  0 -- "$tmp/garbage.pcap"
expect 1 "text.pcap"                     0 -- --json "$tmp/text.pcap"
expect 1 "zero.pcap"                     0 -- "$tmp/zero.pcap"
expect 1 "link type [0-9]+ \(RAW\).*only EN10MB" 0 -- "$tmp/raw.pcap"
expect 1 "link type 113 \(LINUX_SLL\).*only EN10MB" 0 -- --json "$tmp/sll.pcap"
expect 1 "$tmp"                          0 -- "$tmp"
# A capture cut inside its third record: the first two frames, then exit 1 saying so.
expect 1 "cut.pcap.*after frame 2"      2 -- --json "$tmp/cut.pcap"
# An empty capture is read fine: no lines, exit 0.
expect 0 ''                              0 -- --json "$tmp/empty.pcap"

# The fixture, field by field; the same again from standard input.
expect 0 '' "$frames" -- --json "$tmp/fx.pcap"
cp "$tmp/out" "$tmp/fx.json"
expect 0 '' "$frames" -- "$tmp/fx.pcap"
cp "$tmp/out" "$tmp/fx.txt"
"$py" "$fixture" check "$tmp/fx.json" "$tmp/fx.txt" || fail "fixture output differs (above)"
"$exonet" decode --json - <"$tmp/fx.pcap" >"$tmp/stdin.json" 2>"$tmp/err" || fail "decode - (stdin) failed: $(cat "$tmp/err")"
cmp -s "$tmp/stdin.json" "$tmp/fx.json" || fail "decoding from stdin differs from decoding the file"
# The option may come after the file too.
"$exonet" decode "$tmp/fx.pcap" --json >"$tmp/late.json" 2>/dev/null || fail "decode FILE --json failed"
cmp -s "$tmp/late.json" "$tmp/fx.json" || fail "decode FILE --json differs from decode --json FILE"

# libpcap reads pcapng as well: the same capture converted by editcap decodes the same.
if command -v editcap >/dev/null; then
  if editcap -F pcapng "$tmp/fx.pcap" "$tmp/fx.pcapng" >/dev/null 2>&1; then
    "$exonet" decode --json "$tmp/fx.pcapng" >"$tmp/ng.json" 2>"$tmp/err" || fail "decode of pcapng failed: $(cat "$tmp/err")"
    cmp -s "$tmp/ng.json" "$tmp/fx.json" || fail "the pcapng copy decodes differently"
  else
    fail "editcap could not convert the fixture to pcapng"
  fi
else
  echo "note: editcap not installed; the pcapng case was not checked"
fi

if [[ $fails -ne 0 ]]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "PASS: decode CLI: bad-input cases and a $frames-frame fixture checked"
