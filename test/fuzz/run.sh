#!/usr/bin/env bash
# test/fuzz/run.sh — build the parser fuzz harnesses with libFuzzer and
# AddressSanitizer and run each from its seed corpus, FUZZ_SECONDS (default
# 30) in all, split between them:
#   permset_fuzz  the permset text parser (src/permset_parse.c)
#   token_fuzz    the share link token parser and strict base64url
#                 (src/token_parse.c, with PostgreSQL's libpgcommon base64)
# Exits non-zero on any crash, over-read or round-trip mismatch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CLANG=${CLANG:-clang-14}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if ! command -v "$CLANG" >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev
fi
total=${FUZZ_SECONDS:-30}
each=$(( total / 2 > 0 ? total / 2 : 1 ))
work=$(mktemp -d /tmp/share_acl_fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$root/src")

"$CLANG" "${CFLAGS[@]}" "$here/permset_fuzz.c" "$root/src/permset_parse.c" -o "$work/permset_fuzz"
"$CLANG" "${CFLAGS[@]}" -I"$($PG_CONFIG --includedir-server)" \
	"$here/token_fuzz.c" "$root/src/token_parse.c" \
	"$($PG_CONFIG --pkglibdir)/libpgcommon.a" -o "$work/token_fuzz"

cp -r "$here/corpus" "$work/corpus"
"$work/permset_fuzz" -max_total_time="$each" -max_len=5000 \
	-dict="$here/permset.dict" "$work/corpus" 2>&1 | tail -5
echo "fuzz: permset parser ran ${each}s without a finding"

cp -r "$here/token_corpus" "$work/token_corpus"
"$work/token_fuzz" -max_total_time="$each" -max_len=300 "$work/token_corpus" 2>&1 | tail -5
echo "fuzz: token parser ran ${each}s without a finding"
echo "fuzz: permset and token parsers ran ${total}s in all without a finding"
