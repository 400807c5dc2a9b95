#!/usr/bin/env bash
# test.sh - installs what is missing, builds hues with warnings as errors
# and runs the whole ctest suite, then does the same with AddressSanitizer
# and UBSan. Exits non-zero if any build or test fails. Build trees:
# build-test/ and build-asan/ (override with HUES_TEST_BUILD_DIR and
# HUES_ASAN_BUILD_DIR).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
plain=${HUES_TEST_BUILD_DIR:-$top/build-test}
asan=${HUES_ASAN_BUILD_DIR:-$top/build-asan}
jobs=$(nproc)

bash "$top/scripts/setup.sh"

echo "== build and test (warnings are errors) =="
bash "$top/scripts/build.sh" "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHUES_WERROR=ON
(cd "$plain" && ctest -j"$jobs" --output-on-failure)

echo "== build and test with AddressSanitizer and UBSan =="
bash "$top/scripts/build.sh" "$asan" -DCMAKE_BUILD_TYPE=Debug \
	-DHUES_WERROR=ON -DHUES_SANITIZE=ON
# Leaks fail the run; a UBSan report aborts the test that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$asan" && ctest -j"$jobs" --output-on-failure)
echo "== all tests passed (plain and sanitizer builds) =="
