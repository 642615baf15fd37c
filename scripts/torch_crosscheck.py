#!/usr/bin/python3
"""Cross-check attnbench against PyTorch on the same .npy inputs.

Usage:
    /usr/bin/python3 scripts/torch_crosscheck.py [--bin build/release/attnbench]
        [--N 512] [--D 64] [--H 4] [--seed 1]

NumPy draws Q, K, V (standard normal, float32, [1, H, N, D]) into .npy
files. For the masks causal, window:64 and span:31.5 PyTorch computes masked
attention in float32 as docs/semantics.md defines it, o = softmax(s + log w) v
with s = q k^T / sqrt(D) and w the mask's weights (log 0 = -inf: masked keys
drop out; the adaptive-span ramp multiplies the exponentials). Every attnbench
variant that supports the mask runs on the same files (`run --inputs
--save`), and its o.npy must agree within the fp32 bound,
max |o - o_torch| <= 2e-5 * max(1, max |o_torch|).

The backward pass: with dO drawn too (do.npy), PyTorch's autograd in float64
gives dQ, dK and dV of the same formula, and every variant with a backward
pass for the mask (`run --pass backward --inputs --save`) must agree with
each within 2e-5 * max(1, max |g_torch|). For the span, dz (the gradient with
respect to each head's span, attnbench's dz.npy from adaptive_span) is
compared with autograd through w = clamp(1 + (z - x) / R, 0, 1), attention
written as w exp(s - m) / sum w exp(s - m) so that masked keys carry no
log 0; z = 31.5 keeps every key off the ramp's kinks, where PyTorch's clamp
and docs/semantics.md take different one-sided derivatives.

Where PyTorch is not installed (Debian: apt-get install python3-torch) the
script says so and exits 0.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

MASKS = ("causal", "window:64", "span:31.5")
SPAN_RAMP = 32.0
BOUND = 2e-5


def parse_args():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(root / "build/release/attnbench"))
    parser.add_argument("--N", type=int, default=512)
    parser.add_argument("--D", type=int, default=64)
    parser.add_argument("--H", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def mask_weights(mask, n):
    """[n, n] weights w[p, j] of docs/semantics.md (Nq = Nk = n)."""
    p = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    x = p - j
    if mask == "causal":
        return (x >= 0).astype(np.float64)
    kind, value = mask.split(":")
    if kind == "window":
        return ((x >= 0) & (x < int(value))).astype(np.float64)
    if kind == "span":
        z, ramp = float(value), 32.0
        return np.where(x >= 0, np.clip((ramp + z - x) / ramp, 0.0, 1.0), 0.0)
    raise ValueError(mask)


def torch_attention(torch, q, k, v, weights):
    """softmax(q k^T / sqrt(D) + log w) v in float32."""
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    scores = tq @ tk.transpose(-1, -2) / np.float32(np.sqrt(q.shape[-1]))
    with np.errstate(divide="ignore"):  # log 0 = -inf: the masked keys
        log_w = torch.from_numpy(np.log(weights).astype(np.float32))
    return (torch.softmax(scores + log_w, dim=-1) @ tv).numpy()


def torch_span_gradient(torch, q, k, v, d_out, span):
    """dL/dz_h (one z per head, all equal to span) by autograd, float64."""
    n, heads = q.shape[2], q.shape[1]
    tq, tk, tv = (torch.from_numpy(a.astype(np.float64)) for a in (q, k, v))
    z = torch.full((heads, 1, 1), float(span), dtype=torch.float64,
                   requires_grad=True)
    x = torch.from_numpy(
        (np.arange(n)[:, None] - np.arange(n)[None, :]).astype(np.float64))
    causal = x >= 0
    w = torch.where(causal, torch.clamp(1.0 + (z - x) / SPAN_RAMP, 0.0, 1.0),
                    torch.zeros_like(x))
    scores = tq @ tk.transpose(-1, -2) / np.sqrt(q.shape[-1])
    m = torch.where(causal, scores, torch.full_like(scores, -np.inf)).amax(
        -1, keepdim=True).detach()
    e = w * torch.exp(torch.where(causal, scores - m, torch.zeros_like(scores)))
    out = (e / e.sum(-1, keepdim=True)) @ tv
    out.backward(torch.from_numpy(d_out.astype(np.float64)))
    return z.grad.reshape(-1).numpy()


def variants_for(binary, kind, backward=False):
    """Variants whose `attnbench list` line names the mask kind."""
    listing = subprocess.run([binary, "list"], check=True, capture_output=True,
                             text=True).stdout
    names = []
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "masks:" and \
                kind in parts[2].rstrip(";").split(","):
            if not backward or line.rstrip().endswith("backward pass"):
                names.append(parts[0])
    return names


def torch_gradients(torch, q, k, v, d_out, weights):
    """dQ, dK, dV of softmax(q k^T / sqrt(D) + log w) v by autograd, float64."""
    tq, tk, tv = (torch.from_numpy(a.astype(np.float64)).requires_grad_()
                  for a in (q, k, v))
    scores = tq @ tk.transpose(-1, -2) / np.sqrt(q.shape[-1])
    with np.errstate(divide="ignore"):
        log_w = torch.from_numpy(np.log(weights))
    out = torch.softmax(scores + log_w, dim=-1) @ tv
    out.backward(torch.from_numpy(d_out.astype(np.float64)))
    return {"dq": tq.grad.numpy(), "dk": tk.grad.numpy(), "dv": tv.grad.numpy()}


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (Debian: apt-get install python3-torch); "
              "skipping the cross-check.")
        return 0
    rng = np.random.default_rng(args.seed)
    shape = (1, args.H, args.N, args.D)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        tensors = {name: rng.standard_normal(shape).astype(np.float32)
                   for name in "qkv"}
        for name, array in tensors.items():
            np.save(inputs / f"{name}.npy", array)
        print(f"PyTorch {torch.__version__}; inputs {shape} standard normal; "
              f"bound {BOUND:g} * max(1, max|o_torch|)")
        print(f"{'variant':<16} {'mask':<10} {'max abs err':>12} {'bound':>9}  result")
        for mask in MASKS:
            ref = torch_attention(torch, tensors["q"], tensors["k"], tensors["v"],
                                  mask_weights(mask, args.N))
            bound = BOUND * max(1.0, float(np.abs(ref).max()))
            for variant in variants_for(args.bin, mask.split(":")[0]):
                out = Path(tmp) / f"{variant}-{mask.replace(':', '_')}"
                subprocess.run(
                    [args.bin, "run", "--variant", variant, "--mask", mask,
                     "--inputs", str(inputs), "--save", str(out), "--reps", "1",
                     "--warmup", "0", "--min-time", "0", "--no-check",
                     "--format", "json"],
                    check=True, capture_output=True)
                err = float(np.abs(np.load(out / "o.npy") - ref).max())
                ok = err <= bound
                failures += not ok
                print(f"{variant:<16} {mask:<10} {err:12.3e} {bound:9.1e}  "
                      f"{'agrees' if ok else 'DISAGREES'}")
        d_out = rng.standard_normal(shape).astype(np.float32)
        np.save(inputs / "do.npy", d_out)
        print("backward: dQ, dK, dV against autograd (float64)")
        for mask in MASKS:
            ref = torch_gradients(torch, tensors["q"], tensors["k"],
                                  tensors["v"], d_out,
                                  mask_weights(mask, args.N))
            for variant in variants_for(args.bin, mask.split(":")[0], True):
                out = Path(tmp) / f"grad-{variant}-{mask.replace(':', '_')}"
                subprocess.run(
                    [args.bin, "run", "--variant", variant, "--mask", mask,
                     "--inputs", str(inputs), "--save", str(out), "--reps", "1",
                     "--warmup", "0", "--min-time", "0", "--no-check",
                     "--pass", "backward", "--format", "json"],
                    check=True, capture_output=True)
                expected = dict(ref)
                if mask.startswith("span:") and (out / "dz.npy").exists():
                    expected["dz"] = torch_span_gradient(
                        torch, tensors["q"], tensors["k"], tensors["v"], d_out,
                        float(mask.split(":")[1]))
                for name, g in expected.items():
                    bound = BOUND * max(1.0, float(np.abs(g).max()))
                    err = float(np.abs(np.load(out / f"{name}.npy") - g).max())
                    ok = err <= bound
                    failures += not ok
                    print(f"{variant:<16} {mask:<10} {name} {err:12.3e} "
                          f"{bound:9.1e}  {'agrees' if ok else 'DISAGREES'}")
    print("cross-check:", "all agree" if failures == 0 else f"{failures} disagree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
