#!/usr/bin/env bash
# test/fuzz/run.sh — build the permset parser fuzz harness with libFuzzer and
# AddressSanitizer, and run it for FUZZ_SECONDS (default 30) from the seed
# corpus.  Exits non-zero on any crash, over-read or round-trip mismatch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CLANG=${CLANG:-clang-14}
if ! command -v "$CLANG" >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev
fi
work=$(mktemp -d /tmp/share_acl_fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$root/src" "$here/permset_fuzz.c" "$root/src/permset_parse.c" -o "$work/permset_fuzz"
cp -r "$here/corpus" "$work/corpus"
"$work/permset_fuzz" -max_total_time="${FUZZ_SECONDS:-30}" -max_len=5000 \
	-dict="$here/permset.dict" "$work/corpus" 2>&1 | tail -5
echo "fuzz: permset parser ran ${FUZZ_SECONDS:-30}s without a finding"
