#!/usr/bin/env bash
# README command 2: set up, build (release) and run every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --workflow --preset test
