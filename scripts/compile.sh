#!/bin/sh
# deno task compile [TARGET]
#
# Compiles sidekernel into one self-contained binary per target, with the
# "server" permission set of deno.json and the flags of `deno task start` baked
# in (the same set and flags the server-process tests use), then writes
# dist/SHA256SUMS. What is compiled is the bundle of scripts/bundle.sh (the
# same code, minified and split at its dynamic imports), not the ~120 source
# modules: the binary's serving worker holds ~8 MiB less (docs/PERFORMANCE.md).
#
#   deno task compile                               # every target below
#   deno task compile x86_64-unknown-linux-gnu      # one target (the Containerfile does this)
#
# Output: dist/sidekernel-<target> (".exe" added for Windows), dist/SHA256SUMS.
# `deno compile` downloads its runtime for each target on first use, so this
# needs the internet (CI and release runners have it).
set -eu

ALL_TARGETS="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc"

# Modules loaded as Web Workers are not found by the compiler on its own
# (their paths in the bundle; see scripts/bundle.sh).
BUNDLE="dist/bundle"
WORKERS="$BUNDLE/serve/worker.js $BUNDLE/webhook/worker.js"

cd "$(dirname "$0")/.."

if [ "$#" -gt 1 ]; then
  echo "usage: deno task compile [TARGET]; targets: $ALL_TARGETS" >&2
  exit 2
fi
targets="$ALL_TARGETS"
if [ "$#" -eq 1 ]; then
  case " $ALL_TARGETS " in
    *" $1 "*) targets="$1" ;;
    *)
      echo "compile: unknown target \"$1\"; one of: $ALL_TARGETS" >&2
      exit 2
      ;;
  esac
fi

sh scripts/bundle.sh "$BUNDLE"
include=""
for w in $WORKERS; do
  if [ -f "$w" ]; then include="$include --include $w"; fi
done

mkdir -p dist
for target in $targets; do
  echo "compile: $target" >&2
  # shellcheck disable=SC2086 # $include is a list of flags
  deno compile -P=server --ignore-env --unstable-worker-options --v8-flags=--max-semi-space-size=1,--no-concurrent-recompilation $include --target "$target" \
    -o "dist/sidekernel-$target" "$BUNDLE/main.js"
done

cd dist
rm -f SHA256SUMS
for target in $targets; do
  for f in "sidekernel-$target" "sidekernel-$target.exe"; do
    [ -f "$f" ] || continue
    if command -v sha256sum >/dev/null 2>&1; then
      sha256sum "$f" >>SHA256SUMS
    else
      shasum -a 256 "$f" >>SHA256SUMS
    fi
  done
done
cat SHA256SUMS >&2
