#!/usr/bin/env bash
# Runs the whole exonet test suite on this machine, set-up included:
#   1. installs the Debian packages the tests need (scripts/deps.sh build test net),
#   2. builds with gcc into build/ (warnings are errors) and runs every test,
#   3. builds with clang, ASan and UBSan into build-asan/ (with the libFuzzer targets)
#      and runs every test again there, including short fuzz runs.
# Tests that cannot run (not root, a tool missing, no ../shared captures) say why and are
# reported as skipped. With EXONET_STRICT=1 (CI sets it) a skipped test is a failure.
# Extra arguments go to ctest (e.g. -R wire/).
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/deps.sh build test net || exit 1

total_pass=0; total_fail=0; total_skip=0; status=0
run_suite() { # name build-dir cmake-args...
  local name=$1 dir=$2; shift 2
  echo "=== $name: configure and build ($dir)"
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; status=1; return; }
  fi
  if ! cmake --build "$dir" -j"$jobs" 2>&1 | tail -n 40; then status=1; return; fi
  echo "=== $name: tests"
  local log=$dir/ctest.log
  ctest --test-dir "$dir" -j"$jobs" --output-on-failure --timeout 1200 "${ctest_args[@]}" 2>&1 | tee "$log"
  local summary pass fail skip
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
  if [[ -z $summary ]]; then
    echo "no ctest summary for $name"; status=1; return
  fi
  fail=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$summary")
  local count; count=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
  skip=$(grep -E '^\s*[0-9]+ - .*\((Skipped|Not Run)\)' "$log" | wc -l)
  pass=$((count - fail - skip))
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail)); total_skip=$((total_skip + skip))
  [[ $fail -eq 0 ]] || status=1
}

ctest_args=("$@")
run_suite "gcc" build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc
# Tests marked slow (differential comparisons over every shared capture) check results,
# which do not depend on the build; memory safety on those inputs is covered here by the
# capture-decoding test and the fuzzers. They run in the gcc build only.
ctest_args=("$@" -LE slow)
run_suite "clang asan+ubsan+fuzz" build-asan -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DEXONET_SANITIZE=address,undefined -DEXONET_FUZZ=ON

if [[ ${EXONET_STRICT:-0} == 1 && $total_skip -gt 0 ]]; then
  echo "strict mode: $total_skip skipped tests count as failures"
  total_fail=$((total_fail + total_skip)); total_skip=0; status=1
fi
echo
echo "tests: $total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
