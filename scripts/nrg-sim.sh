#!/usr/bin/env bash
# The long sweep of the NRG simulator: every seed from 1 to N (default
# 10000), or a range A..B, through the fault run of `engine/sim.rs`, in
# release mode. A failing seed prints its last events; `nrg-sim.sh S..S`
# replays seed S alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export NRG_SIM_SEEDS="${1:-10000}"
exec cargo test --release -p server --lib cluster::nrg::engine::sim::safety_and_recovery_under_faults -- --nocapture
