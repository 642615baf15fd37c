#!/usr/bin/python3
"""Adaptive span learning its spans: gradient descent on z with attnbench.

The worked example of docs/semantics.md "Gradients" (adaptive span): a small
problem whose target output T comes from attention with short spans z*,
started from long spans. Each step runs the adaptive_span variant forward
(`run --save`: O), sets dO = O - T (the loss L = 1/2 |O - T|^2), runs the
backward (`run --pass backward --inputs` with that do.npy: dz.npy), and
moves every head's span down its gradient plus the L1 penalty's:

    z_h <- clip(z_h - clip(lr (dL/dz_h + lambda / H), -m, m), 0, S)

where the penalty is lambda x S x mean_h(z_h / S) (Sukhbaatar et al. 2019:
an L1 penalty on the spans normalised by the largest span S, with a
coefficient lambda), which is lambda x mean_h(z_h), whose gradient is
lambda / H per head; each step moves a span by at most m positions (the
loss is steep near the target spans). Each step prints the loss, the spans
and the work (the row's visible_pairs).

    /usr/bin/python3 scripts/span_descent.py [--bin build/release/attnbench]
        [--steps 12] [--lr 8] [--max-step 8] [--penalty 1e-3]
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

N, H, D, RAMP, SPAN_MAX = 256, 4, 32, 8.0, 128.0
TRUE_SPANS = (4.0, 12.0, 24.0, 48.0)


def run(binary, spans, inputs, out, extra):
    mask = "span:" + ",".join(f"{z:.6g}" for z in spans) + f":{RAMP:g}"
    row = subprocess.run(
        [binary, "run", "--variant", "adaptive_span", "--mask", mask,
         "--inputs", str(inputs), "--save", str(out), "--reps", "1",
         "--warmup", "0", "--min-time", "0", "--threads", "2", "--format",
         "json", *extra],
        check=True, capture_output=True, text=True).stdout
    return json.loads(row)


def main():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(root / "build/release/attnbench"))
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--lr", type=float, default=8.0)
    parser.add_argument("--penalty", type=float, default=1e-3)
    parser.add_argument("--max-step", type=float, default=8.0)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = tmp / "inputs"
        inputs.mkdir()
        for name in "qkv":
            np.save(inputs / f"{name}.npy",
                    rng.standard_normal((1, H, N, D)).astype(np.float32))
        run(args.bin, TRUE_SPANS, inputs, tmp / "target", [])
        target = np.load(tmp / "target" / "o.npy").astype(np.float64)
        spans = np.full(H, 96.0)
        print(f"N={N} H={H} D={D} R={RAMP:g} S={SPAN_MAX:g}; target spans "
              f"{list(TRUE_SPANS)}; lr {args.lr:g}, max step "
              f"{args.max_step:g}, penalty {args.penalty:g}")
        print("| step | loss | spans z_h | visible pairs |")
        print("| --- | --- | --- | --- |")
        losses = []
        for step in range(args.steps + 1):
            fwd = run(args.bin, spans, inputs, tmp / "fwd", ["--no-check"])
            out = np.load(tmp / "fwd" / "o.npy").astype(np.float64)
            loss = 0.5 * float(((out - target) ** 2).sum())
            losses.append(loss)
            print(f"| {step} | {loss:.4f} | "
                  f"{', '.join(f'{z:.1f}' for z in spans)} | "
                  f"{fwd['visible_pairs']} |")
            if step == args.steps:
                break
            np.save(inputs / "do.npy", (out - target).astype(np.float32))
            bwd = run(args.bin, spans, inputs, tmp / "bwd",
                      ["--pass", "backward"])
            if not bwd["agrees"]:
                raise SystemExit("the backward disagrees with the oracle")
            dz = np.load(tmp / "bwd" / "dz.npy").astype(np.float64)
            (inputs / "do.npy").unlink()
            step_z = np.clip(args.lr * (dz + args.penalty / H),
                             -args.max_step, args.max_step)
            spans = np.clip(spans - step_z, 0.0, SPAN_MAX)
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    return 0 if losses[-1] < losses[0] else 1


if __name__ == "__main__":
    raise SystemExit(main())
