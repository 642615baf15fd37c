#!/usr/bin/env bash
# Usage: expect_error.sh REGEX COMMAND [ARGS...]
# Passes when COMMAND exits with status 2 and prints exactly one line on
# stderr, matching the extended regular expression REGEX.
set -u
pattern=$1
shift
err=$("$@" 2>&1 >/dev/null)
status=$?
lines=$(printf '%s\n' "$err" | grep -c .)
echo "status=$status stderr=[$err]"
[ "$status" -eq 2 ] || { echo "FAIL: expected exit status 2"; exit 1; }
[ "$lines" -eq 1 ] || { echo "FAIL: expected one line on stderr"; exit 1; }
printf '%s\n' "$err" | grep -Eq -- "$pattern" ||
  { echo "FAIL: stderr does not match /$pattern/"; exit 1; }
echo "ok"
