#!/usr/bin/env bash
# README command 2: set up, then build and run every test twice through
# CTest: the release build (what benchmarks use) and an AddressSanitizer +
# UndefinedBehaviorSanitizer build. About 13-23 minutes on 2 cores (README).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
echo "== release build and tests"
cmake --workflow --preset test
echo "== sanitizer build (ASan + UBSan) and tests"
cmake --workflow --preset test-asan
