#!/usr/bin/python3
"""Fuzz-style test of `attnbench check` and `attnbench sweep` (issue: extreme
inputs). Usage: fuzz_check_sweep.py ATTNBENCH [--quick]

The hostile masks and options of fuzz_cli.py, given to the two commands
that run many configurations: bounded in count (about 40 cases) and time
(60 s each at most), from a fixed seed. Every case must end in one of two
ways:
- check: status 0 with "check: N passed, 0 failed", or status 2 with one
  error line;
- sweep: status 0 with a row for every configuration its plan names (none
  lost: `--dry-run` of the same command lists them, and a resumed run adds
  nothing), or status 2 with one error line before anything is measured.
A signal, a timeout, an internal error (3), a failed check or a lost row
fails the test.
"""
import json
import os
import subprocess
import sys
import tempfile

import fuzz_cli  # the generators: VARIANTS, mask_text, rng

BIN = sys.argv[1]
rng = fuzz_cli.rng


def one_error_line(p):
    err = [line for line in p.stderr.splitlines() if line.strip()]
    errors = [line for line in err if line.startswith("attnbench: error:")]
    return len(errors) == 1 and len(err) == 1 + sum("warning" in line
                                                    for line in err)


def run(cmd, timeout=60):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def check_case(args):
    cmd = [BIN, "check", "--failures-only", "--dist", "uniform,outliers"] + args
    p = run(cmd)
    if p is None:
        return "timeout", cmd, ""
    if p.returncode == 0 and ", 0 failed" in p.stdout:
        return None, cmd, ""
    if p.returncode == 2 and one_error_line(p):
        return None, cmd, ""
    return f"status {p.returncode}", cmd, (p.stdout + p.stderr)[-400:]


def planned(cmd):
    """The configurations `--dry-run` counts ("N configurations")."""
    p = run(cmd + ["--dry-run"])
    if p is None or p.returncode != 0:
        return None
    for line in p.stdout.splitlines():
        words = line.split()
        if len(words) == 2 and words[1] == "configurations":
            return int(words[0])
    return None


def sweep_case(args, out):
    cmd = [BIN, "sweep", "--reps", "1", "--min-time", "0", "--N-min", "64",
           "--N-max", "128", "--rounds", "2", "--out", out] + args
    p = run(cmd)
    if p is None:
        return "timeout", cmd, ""
    if p.returncode == 2:
        if not one_error_line(p):
            return "status 2 without exactly one error line", cmd, p.stderr
        if os.path.exists(os.path.join(out, "rows.jsonl")):
            with open(os.path.join(out, "rows.jsonl")) as f:
                if f.read().strip():
                    return "status 2 after measuring", cmd, p.stderr
        return None, cmd, ""
    if p.returncode != 0:
        return f"status {p.returncode}", cmd, (p.stdout + p.stderr)[-400:]
    with open(os.path.join(out, "rows.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    expected = planned([c for c in cmd if c != out and c != "--out"])
    if expected is not None and len(rows) != expected:
        return (f"{len(rows)} rows for {expected} planned configurations", cmd,
                "")
    if any(r["status"] == "ok" and not r["agrees"] for r in rows):
        return "a row disagrees", cmd, ""
    again = run([BIN, "sweep", "--resume", out])
    if again is None or again.returncode != 0:
        return "resume failed", cmd, "" if again is None else again.stderr
    with open(os.path.join(out, "rows.jsonl")) as f:
        if sum(1 for line in f if line.strip()) != len(rows):
            return "resume measured a finished configuration again", cmd, ""
    return None, cmd, ""


def main():
    checks = []
    for variant, templates in fuzz_cli.VARIANTS.items():
        for template in templates[:1] if fuzz_cli.QUICK else templates:
            checks.append(["--variant", variant, "--mask",
                           fuzz_cli.mask_text(template)])
    checks.append(["--variant", "naive", "--mask", "causal", "--seed", "-1"])
    checks.append(["--variant", "flash", "--mask", "causal", "--threads",
                   "0"])
    checks.append(["--variant", "flash", "--dtype", "f16", "--mask",
                   "causal"])
    sweeps = [
        ["--variants", "flash", "--masks", "causal"],
        ["--variants", "naive,adaptive_span", "--masks",
         "span:0:1e-30;span:3.3:0.5"],
        ["--variants", "document", "--masks", "document:1099511627777"],
        ["--variants", "dilated", "--masks", "dilated:9223372036854775807:2"],
        ["--variants", "sliding_window", "--masks", "window:0"],
        ["--variants", "flash", "--masks", "causal", "--Nq", "1"],
        ["--variants", "flash", "--masks", "causal", "--rounds", "0"],
        ["--variants", "flash", "--masks", "causal", "--min-time", "nan"],
        ["--variants", "flash", "--masks", "causal", "--N-min", "256"],
        ["--variants", "nope", "--masks", "causal"],
        ["--variants", "flash", "--masks", "causal", "--threads", "1,3"],
    ]
    failures = 0
    for args in checks:
        problem, cmd, text = check_case(args)
        if problem:
            failures += 1
            print(f"FAIL ({problem}): {' '.join(cmd)}\n  {text.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        for i, args in enumerate(sweeps):
            problem, cmd, text = sweep_case(args, os.path.join(tmp, f"s{i}"))
            if problem:
                failures += 1
                print(f"FAIL ({problem}): {' '.join(cmd)}\n  {text.strip()}")
    print(f"fuzz check/sweep: {len(checks) + len(sweeps)} cases, "
          f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
