#!/usr/bin/env sh
# Self-test of the interop bridges (interop/selftest.mjs): each peer issues with fresh keys and
# verifies its own output through the stdin/stdout JSON contract, plus negative cases.
# Installs what is missing first: `npm ci --prefix interop/node` and interop/python/setup.sh.
# CONTEXTS_DIR: JSON-LD contexts for vc_di.mjs; default did-core/contexts, else the shared vectors.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

command -v node >/dev/null 2>&1 || { echo "selftest.sh: Node.js is required" >&2; exit 1; }
if [ ! -f "$here/node/node_modules/.package-lock.json" ] \
  || [ "$here/node/package-lock.json" -nt "$here/node/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$here/node" --no-audit --no-fund
fi
"$here/python/setup.sh"

if [ -z "${CONTEXTS_DIR:-}" ]; then
  for dir in "$root/did-core/contexts" /work/shared/vectors/data-integrity/contexts; do
    if [ -f "$dir/index.json" ]; then CONTEXTS_DIR=$dir; break; fi
  done
fi
export CONTEXTS_DIR="${CONTEXTS_DIR:-}"
exec node "$here/selftest.mjs"
