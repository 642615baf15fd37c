#!/usr/bin/python3
"""Fuzz-style test of the attnbench CLI and its .npy reader (issue: extreme
inputs). Usage: fuzz_cli.py ATTNBENCH [--quick]

Drives `attnbench run` with generated hostile but plausible inputs (mask
parameters at and past their limits, odd shapes, options out of range,
damaged or extreme .npy files), bounded in count (about 150 cases) and time
(20 s each at most), from a fixed seed. Every case must end in one of two
ways: status 0 with the row saying the output agrees with the oracle, or
status 2 with exactly one line on stderr ("attnbench: error: ..."). A
signal, a timeout, an internal error (3), a disagreement or a status 0
without a row fails the test.
"""
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

BIN = sys.argv[1]
# --quick (the sanitizer build, where every run is slower): a third of the
# generated cases; every fixed case still runs.
QUICK = "--quick" in sys.argv[2:]
rng = random.Random(20261127)
HUGE = ["9223372036854775807", "1099511627776", "1099511627777", "0", "-1",
        "1.5", "", "x", "1e3"]
VARIANTS = {
    "naive": ["causal", "none", "window:{a}", "span:{f}", "span:{f}:{f}",
              "alibi", "document:{a},{a}", "dilated:{a}:{a}"],
    "flash": ["causal", "none"],
    "sliding_window": ["window:{a}"],
    "adaptive_span": ["span:{f}", "span:{f}:{f}", "span:{f},{f}:{f}"],
    "alibi": ["alibi"],
    "document": ["document:{a}", "document:{a},{a},{a}"],
    "prefix_lm": ["prefix_lm:{a}"],
    "global_window": ["global_window:{a}:{a}"],
    "sparse_fixed": ["sparse_fixed:{a}:{a}"],
    "dilated": ["dilated:{a}:{a}"],
    "sparse_strided": ["sparse_strided:{a}"],
}
FLOATS = ["0", "1e-9", "1e-7", "0.5", "3.3", "7", "64", "1e18", "1e300",
          "nan", "inf", "-2"]


def int_param():
    return rng.choice(HUGE + [str(rng.randint(1, 80)) for _ in range(6)])


def mask_text(template):
    out = template
    while "{a}" in out or "{f}" in out:
        if out.find("{a}") >= 0 and (out.find("{f}") < 0 or
                                     out.find("{a}") < out.find("{f}")):
            out = out.replace("{a}", int_param(), 1)
        else:
            out = out.replace("{f}", rng.choice(FLOATS), 1)
    return out


def shape_args():
    n = rng.choice([1, 2, 3, 17, 64, 70])
    args = ["--N", str(n), "--D", str(rng.choice([1, 3, 8, 20])),
            "--H", str(rng.choice([1, 2, 4]))]
    if rng.random() < 0.3:
        args += ["--Nq", str(rng.choice([1, 2, n, n + 1]))]
    if rng.random() < 0.3:
        args += ["--Hkv", str(rng.choice([1, 2, 3]))]
    return args


def option_args():
    args = ["--threads", str(rng.choice([1, 2, 3]))]
    if rng.random() < 0.3:
        args += ["--scale", rng.choice(["0", "-1", "1e6", "1e7", "nan", "inf",
                                        "0.125"])]
    if rng.random() < 0.3:
        args += ["--dtype", rng.choice(["f32", "bf16", "f16", "fp8"])]
    if rng.random() < 0.2:
        args += ["--dist", rng.choice(["uniform", "normal", "peaked",
                                       "outliers", "gauss"])]
    return args


def npy_cases(tmp):
    """(name, q, k, v) tensors or raw bytes for hostile .npy inputs."""
    z = np.zeros((1, 2, 8, 4), np.float32)
    r = np.random.default_rng(5).standard_normal((1, 2, 8, 4))
    cases = {
        "float16": [r.astype(np.float16)] * 3,
        "float64": [r.astype(np.float64), z, z],
        "int32": [z.astype(np.int32), z, z],
        "empty": [np.zeros((1, 2, 0, 4), np.float32), z, z],
        "three_d": [np.zeros((2, 8, 4), np.float32), z, z],
        "five_d": [np.zeros((1, 1, 2, 8, 4), np.float32), z, z],
        "fortran": [np.asfortranarray(r.astype(np.float32)), z, z],
        "mismatch": [z, z, np.zeros((1, 2, 9, 4), np.float32)],
        "huge_values": [(r * 1e30).astype(np.float32)] * 3,
        "big_endian": [r.astype(">f4"), z, z],
        "beyond_f16": [(r * 1e5).astype(np.float32)] * 3,
        "v_near_max": [z, z, np.full((1, 2, 8, 4), 3e38, np.float32)],
    }
    for name, arrays in cases.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for letter, a in zip("qkv", arrays):
            np.save(os.path.join(d, f"{letter}.npy"), a)
    d = os.path.join(tmp, "q_is_dir")  # q.npy a directory
    os.makedirs(os.path.join(d, "q.npy"))
    for letter in "kv":
        np.save(os.path.join(d, f"{letter}.npy"), z)
    d = os.path.join(tmp, "truncated")
    os.makedirs(d)
    for letter in "qkv":
        np.save(os.path.join(d, f"{letter}.npy"), z)
    with open(os.path.join(d, "k.npy"), "r+b") as f:
        f.truncate(100)
    raw = {  # q.npy written byte by byte: forged headers, junk after data
        "wrapping_count": ("(4294967296, 4294967296, 1, 1)", "False", 256),
        "wrapping_bytes": ("(1, 1, 4611686018427387904, 1)", "False", 256),
        "junk_after_data": ("(1, 2, 8, 4)", "False", 64 * 4 + 7),
        "quoted_fortran": ("(1, 2, 8, 4)", "'False'", 64 * 4),
    }
    for name, (shape, fortran, data_bytes) in raw.items():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for letter in "kv":
            np.save(os.path.join(d, f"{letter}.npy"), z)
        header = (f"{{'descr': '<f4', 'fortran_order': {fortran}, "
                  f"'shape': {shape}, }}").encode()
        header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
        with open(os.path.join(d, "q.npy"), "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))
            f.write(header + bytes(data_bytes))
    return list(cases) + ["q_is_dir", "truncated"] + list(raw)


def run_case(args):
    cmd = [BIN, "run", "--reps", "1", "--min-time", "0", "--warmup", "0"] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "timeout", cmd, ""
    err = [line for line in p.stderr.splitlines() if line.strip()]
    if p.returncode == 0:
        if "DISAGREES" in p.stdout or "agrees" not in p.stdout:
            return "status 0 without agreement", cmd, p.stdout[-300:]
        return None, cmd, ""
    if p.returncode == 2:
        errors = [line for line in err if line.startswith("attnbench: error:")]
        if len(errors) != 1 or len(err) != 1 + sum(
                "warning" in line for line in err):
            return "status 2 without exactly one error line", cmd, p.stderr
        return None, cmd, ""
    return f"status {p.returncode}", cmd, (p.stderr + p.stdout)[-300:]


def main():
    cases = []
    for variant, templates in VARIANTS.items():
        for template in templates:
            for _ in range(3 if "{" in template and not QUICK else 1):
                cases.append(["--variant", variant, "--mask",
                              mask_text(template)] + shape_args()
                             + option_args())
    for _ in range(8 if QUICK else 25):  # shapes and options alone
        cases.append(["--variant", rng.choice(list(VARIANTS)), "--mask",
                      "causal"] + shape_args() + option_args())
    with tempfile.TemporaryDirectory() as tmp:
        for name in npy_cases(tmp):
            for variant in ("naive", "flash"):
                extra = ["--dtype", "f16"] if name == "beyond_f16" else []
                cases.append(["--variant", variant, "--mask", "causal",
                              "--inputs", os.path.join(tmp, name)] + extra)
        # Found by earlier runs of this script: ramps narrower than the
        # rounding of p - z - R (decode took weight 0 on the diagonal) and
        # options CLI11's Range lets through.
        for mask in ("span:0:1e-30", "span:1e-300:1e-300", "span:5:1e-300"):
            for nq in ("1", "5", "64"):
                cases.append(["--variant", "adaptive_span", "--mask", mask,
                              "--N", "64", "--Nq", nq, "--D", "8", "--H", "2"])
        for option, value in (("--seed", "-1"), ("--min-time", "nan"),
                              ("--N", ""), ("--scale", "")):
            cases.append(["--variant", "naive", "--N", "16", option, value])
        cases.append(["--variant", "naive", "--N", "16", "--save", "/proc/x"])
        cases.append(["--variant", "naive", "--N", "16", "--save", BIN])
        failures = 0
        for args in cases:
            problem, cmd, text = run_case(args)
            if problem:
                failures += 1
                print(f"FAIL ({problem}): {' '.join(cmd)}\n  {text.strip()}")
    print(f"fuzz: {len(cases)} cases, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
