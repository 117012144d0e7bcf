#!/usr/bin/env bash
# Install Stoplight Prism (npm @stoplight/prism-cli) into .prism/ for the contract tests
# (tests/contract). Idempotent and quiet: does nothing when the wanted version is already there.
# Exits non-zero with a one-line reason on stderr when node or npm is missing or npm fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_VERSION="${PRISM_VERSION:-5.16}"
PRISM_BIN=.prism/node_modules/.bin/prism

command -v node > /dev/null 2>&1 || { echo "node not found on PATH" >&2; exit 1; }
command -v npm > /dev/null 2>&1 || { echo "npm not found on PATH" >&2; exit 1; }

installed="$("$PRISM_BIN" --version 2> /dev/null || true)"
case "$installed" in
  "$PRISM_VERSION" | "$PRISM_VERSION".*) exit 0 ;;
esac

if ! log="$(npm install --prefix .prism --no-audit --no-fund --loglevel=error \
  "@stoplight/prism-cli@${PRISM_VERSION}" 2>&1)"; then
  echo "npm install @stoplight/prism-cli@${PRISM_VERSION} failed: $(printf '%s\n' "$log" | grep -m1 -i 'err' || printf '%s\n' "$log" | tail -n1)" >&2
  exit 1
fi
"$PRISM_BIN" --version > /dev/null 2>&1 || { echo "$PRISM_BIN does not run after install" >&2; exit 1; }
