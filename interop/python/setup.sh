#!/usr/bin/env sh
# Creates interop/python/.venv and installs the pinned peer (requirements.txt) into it.
# Idempotent: reruns only reinstall when requirements.txt changed since the last install.
# Works on a fresh Debian machine with python3: installs python3-venv via apt-get if the
# venv module (or ensurepip) is missing and apt-get is available.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
python=${PYTHON:-python3}

command -v "$python" >/dev/null 2>&1 || { echo "setup.sh: $python not found" >&2; exit 1; }

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    $sudo apt-get update -qq
    # The versioned package is what Debian/Ubuntu need for ensurepip; fall back to the generic one.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$minor-venv" \
      || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  else
    echo "setup.sh: the python venv module is missing and apt-get is not available" >&2
    exit 1
  fi
fi

# A venv left half-made (no pip) by an earlier failed run is rebuilt.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

stamp="$venv/.requirements.installed"
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/requirements.txt"; then
  exit 0
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
