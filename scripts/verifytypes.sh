#!/usr/bin/env bash
# Type completeness of the public API as users' tools see it: `pyright --verifytypes
# journey_async` must score 100% (every public symbol with a declared type). Installs pyright
# from npm into .pyright/ (idempotent) and runs it on this checkout through the project's venv.
# Exits 0 when complete, 1 when not, 2 with a one-line reason when node/npm or pyright are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYRIGHT_VERSION="${PYRIGHT_VERSION:-1}"
PYRIGHT_BIN=.pyright/node_modules/.bin/pyright
PYTHON="${PYTHON:-.venv/bin/python}"

command -v node > /dev/null 2>&1 || { echo "node not found on PATH" >&2; exit 2; }
command -v npm > /dev/null 2>&1 || { echo "npm not found on PATH" >&2; exit 2; }
if ! "$PYRIGHT_BIN" --version > /dev/null 2>&1; then
  if ! log="$(npm install --prefix .pyright --no-audit --no-fund --loglevel=error \
    "pyright@${PYRIGHT_VERSION}" 2>&1)"; then
    echo "npm install pyright failed: $(printf '%s\n' "$log" | tail -n1)" >&2
    exit 2
  fi
fi

# The editable install is an import hook pyright cannot follow: point it at the checkout.
report="$(PYTHONPATH="$PWD" "$PYRIGHT_BIN" --pythonpath "$PYTHON" --verifytypes journey_async \
  --ignoreexternal 2>&1 || true)"
score="$(printf '%s\n' "$report" | sed -n 's/^Type completeness score: //p')"
if [ "$score" != "100%" ]; then
  printf '%s\n' "$report" | grep -E "error:|score" >&2 || printf '%s\n' "$report" >&2
  echo "pyright --verifytypes journey_async: ${score:-no score}, expected 100%" >&2
  exit 1
fi
echo "pyright --verifytypes journey_async: 100%"
