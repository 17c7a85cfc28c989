#!/usr/bin/env bash
# Builds the discovery page's script into dist/ with the machine's own Node and npm: installs the locked
# dependencies from the npm registry when the lockfile changed, then bundles with esbuild.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v npm >/dev/null || { echo "discovery page: npm is required (Node 18 or newer)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
