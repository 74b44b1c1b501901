#!/bin/sh
# sh scripts/bundle.sh [OUTDIR]
#
# Bundles sidekernel into plain JavaScript for `deno compile` (scripts/compile.sh):
# one minified bundle per isolate, each split at its dynamic imports so that what
# a command does not run is still never loaded (docs/PERFORMANCE.md, "Footprint").
# The serving worker then parses one small file instead of ~400 modules: ~8 MiB less
# resident memory than running the sources (measured with the Jupyter executor).
#
#   OUTDIR/main.js            the CLI (main.ts), its chunks next to it
#   OUTDIR/serve/worker.js    the serving worker (src/server/worker.ts), its chunks
#   OUTDIR/webhook/worker.js  the webhook's worker (src/webhook/worker.ts), its chunks
#
# launch.ts and webhook/run.ts find their worker at these paths when they run from
# a bundle. Default OUTDIR: dist/bundle.
set -eu

cd "$(dirname "$0")/.."
out="${1:-dist/bundle}"
rm -rf "$out"
bundle() {
  deno bundle --quiet --platform deno --minify --code-splitting --outdir "$1" "$2"
}
bundle "$out" main.ts
bundle "$out/serve" src/server/worker.ts
bundle "$out/webhook" src/webhook/worker.ts
echo "bundle: $out" >&2
