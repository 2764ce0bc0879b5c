#!/usr/bin/env bash
# `make demo`: the main job on the embedded default, for this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/footprint-agent collect --summary
