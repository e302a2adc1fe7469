#!/usr/bin/env bash
# Records golden files (insta JSON snapshots under golden/<subsystem>/) from the Go
# oracle. Goldens never come from rnats: the runner refuses to write them for any
# other target. Review the diff (git diff golden/) before committing.
#
#   scripts/record-golden.sh                 # every scenario with a golden step
#   scripts/record-golden.sh --subsystem jetstream
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
NATS_SERVER_BIN="$(scripts/install-go-server.sh)"
export NATS_SERVER_BIN
export INSTA_UPDATE=always
exec cargo run -q -p conformance -- run --target go "$@"
