#!/usr/bin/env bash
# Usage: npy_io.sh ATTNBENCH
# .npy in and out through the CLI, with NumPy (Debian's python3-numpy) on
# the other side:
#   - attnbench's saved tensors load in NumPy bit for bit, and NumPy's load
#     in attnbench (a run on NumPy-written inputs in bnhd layout, saved,
#     equals the same run in bhnd layout);
#   - check --inputs --expected passes on the output saved, and fails on a
#     perturbed one;
#   - bad files give one line naming the file and the problem.
set -euo pipefail
bin=$1
py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run=(run --variant flash --mask causal --reps 1 --min-time 0 --warmup 0)
"$bin" "${run[@]}" --N 48 --H 2 --D 16 --dist normal --save "$dir/gen" > /dev/null
"$py" - "$dir" <<'PY'
import numpy as np, sys, os
d = sys.argv[1]
q = np.load(f"{d}/gen/q.npy"); o = np.load(f"{d}/gen/o.npy")
assert q.dtype == np.float32 and q.shape == (1, 2, 48, 16), (q.dtype, q.shape)
assert o.shape == (1, 2, 48, 16) and np.isfinite(o).all()
# NumPy writes inputs in [B, N, H, D] for attnbench to read with --layout bnhd.
rng = np.random.default_rng(5)
os.makedirs(f"{d}/np", exist_ok=True)
for name, shape in (("q", (2, 40, 4, 24)), ("k", (2, 56, 2, 24)), ("v", (2, 56, 2, 24))):
    np.save(f"{d}/np/{name}.npy", rng.standard_normal(shape).astype(np.float32))
# ... and the same tensors in [B, H, N, D].
os.makedirs(f"{d}/np_bhnd", exist_ok=True)
for name in "qkv":
    np.save(f"{d}/np_bhnd/{name}.npy",
            np.ascontiguousarray(np.load(f"{d}/np/{name}.npy").transpose(0, 2, 1, 3)))
PY
"$bin" "${run[@]}" --inputs "$dir/np" --layout bnhd --save "$dir/out_bnhd" > /dev/null
"$bin" "${run[@]}" --inputs "$dir/np_bhnd" --save "$dir/out_bhnd" > /dev/null
"$py" - "$dir" <<'PY'
import numpy as np, sys
d = sys.argv[1]
a = np.load(f"{d}/out_bnhd/o.npy"); b = np.load(f"{d}/out_bhnd/o.npy")
assert a.shape == (2, 40, 4, 24) and b.shape == (2, 4, 40, 24), (a.shape, b.shape)
assert np.array_equal(a.transpose(0, 2, 1, 3), b), "layouts disagree"
np.save(f"{d}/bad_o.npy", b + np.float32(1e-3))
PY
"$bin" check --inputs "$dir/np_bhnd" --mask causal --expected "$dir/out_bhnd/o.npy" \
  --variant naive | tail -n 1 | grep -q "1 passed, 0 failed"
if "$bin" check --inputs "$dir/np_bhnd" --mask causal --expected "$dir/bad_o.npy" \
  --variant naive > /dev/null; then
  echo "FAIL: a perturbed expected output passed"; exit 1
fi

# float16 files are read as they are: the same run on them and on their
# values written as float32 (rounding to f16 then changes nothing) gives
# the same output, bit for bit.
"$py" - "$dir" <<'PY'
import numpy as np, sys, os
d = sys.argv[1]
rng = np.random.default_rng(7)
for sub, dtype in (("f16", np.float16), ("f16as32", np.float32)):
    os.makedirs(f"{d}/{sub}", exist_ok=True)
for name in "qkv":
    x = rng.standard_normal((1, 2, 40, 16)).astype(np.float16)
    np.save(f"{d}/f16/{name}.npy", x)
    np.save(f"{d}/f16as32/{name}.npy", x.astype(np.float32))
PY
"$bin" "${run[@]}" --inputs "$dir/f16" --dtype f16 --save "$dir/out_f16" > /dev/null
"$bin" "${run[@]}" --inputs "$dir/f16as32" --dtype f16 --save "$dir/out_f16as32" > /dev/null
"$py" - "$dir" <<'PY'
import numpy as np, sys
d = sys.argv[1]
a = np.load(f"{d}/out_f16/o.npy"); b = np.load(f"{d}/out_f16as32/o.npy")
assert np.array_equal(a, b), "float16 inputs differ from their float32 values"
PY

# Bad files: exit status 2, one line naming the file and what is wrong.
"$py" - "$dir" <<'PY'
import numpy as np, sys, os
d = sys.argv[1]
def put(case, q=None, k=None, v=None):
    os.makedirs(f"{d}/{case}", exist_ok=True)
    base = np.zeros((1, 2, 8, 4), np.float32)
    for name, arr in (("q", q), ("k", k), ("v", v)):
        np.save(f"{d}/{case}/{name}.npy", base if arr is None else arr)
put("dtype", q=np.zeros((1, 2, 8, 4), np.float64))
put("fortran", k=np.asfortranarray(np.zeros((1, 2, 8, 4), np.float32)))
put("mismatch", v=np.zeros((1, 2, 9, 4), np.float32))
put("dims", q=np.zeros((2, 8, 4), np.float32))
put("empty", q=np.zeros((1, 2, 0, 4), np.float32))
put("truncated")
with open(f"{d}/truncated/v.npy", "r+b") as f:
    f.truncate(os.path.getsize(f"{d}/truncated/v.npy") - 8)
put("notnpy")
with open(f"{d}/notnpy/k.npy", "wb") as f:
    f.write(b"this is not numpy")
PY
expect() {
  local case=$1 pattern=$2
  set +e
  err=$("$bin" "${run[@]}" --inputs "$dir/$case" 2>&1 >/dev/null)
  status=$?
  set -e
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] ||
     ! printf '%s\n' "$err" | grep -Eq -- "$pattern"; then
    echo "FAIL ($case): status=$status stderr=[$err]"; exit 1
  fi
  echo "ok ($case): $err"
}
expect dtype "q.npy: dtype '<f8' is not supported"
expect fortran "k.npy: Fortran order is not supported"
expect mismatch "v.npy: shape \(1, 2, 9, 4\) differs from .*k.npy"
expect dims "q.npy: shape \(2, 8, 4\) has 3 dimensions"
expect truncated "v.npy: truncated data"
expect empty "q.npy: shape \(1, 2, 0, 4\) has an empty dimension"
expect notnpy "k.npy: not an .npy file"
echo ok
