#!/usr/bin/env bash
# Runs the fuzz targets (client protocol parser, config parser, file store recovery,
# NRG codec) for a bounded time.
# cargo-fuzz needs nightly features; the stable toolchain is allowed to use them here
# through RUSTC_BOOTSTRAP, so no second toolchain is needed.
#   scripts/fuzz.sh            # 60 s per target
#   FUZZ_SECONDS=600 scripts/fuzz.sh protocol
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
secs="${FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(protocol config filestore nrg)
for t in "${targets[@]}"; do
  if [ "$t" = filestore ]; then
    # Valid blocks and state files to mutate from (random bytes rarely pass a CRC).
    FUZZ_SEEDS="$root/fuzz/corpus/filestore" cargo test -q -p server --lib fuzz_seeds -- --ignored
  fi
  echo "== fuzzing $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -max_len=4096
done
