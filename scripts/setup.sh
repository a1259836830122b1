#!/usr/bin/env bash
# Create or refresh the two virtual environments from the committed lock files.
# Idempotent: an environment is only synced again when its lock file changed (a stamp per lock).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local root candidate
    root=$(pyenv root)
    candidate=$(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$candidate" ]; then echo "$candidate"; return; fi
  fi
  for candidate in /usr/bin/python3.10 /usr/local/bin/python3.10 "$HOME"/.pyenv/versions/3.10.*/bin/python3.10; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  return 1
}

PYTHON310=$(find_python310) || {
  echo "error: Python 3.10 is required (Rasa 3.6 runs on Python 3.8-3.10 only)." >&2
  echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then run this again." >&2
  exit 1
}

mkdir -p .stamps
if [ ! -x .tools/bin/uv ] || ! .tools/bin/uv --version | grep -q "$UV_VERSION"; then
  echo "setup: installing uv $UV_VERSION into .tools/"
  "$PYTHON310" -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

sync_env() {  # sync_env NAME: .venv-NAME from requirements/NAME.lock
  local name=$1 lock=requirements/$1.lock venv=.venv-$1 stamp=.stamps/$1
  local digest
  digest=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return
  fi
  echo "setup: syncing $venv from $lock"
  [ -x "$venv/bin/python" ] || "$PYTHON310" -m venv "$venv"
  .tools/bin/uv pip sync --quiet --python "$venv/bin/python" "$lock"
  echo "$digest" > "$stamp"
}

sync_env rasa
sync_env gateway
