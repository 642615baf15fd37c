// Each tile kernel of kernels/flash_tile-inl.h against its scalar twin in
// kernels/flash_tile_reference.h, on every compiled Highway target, with
// several register tiles (row vectors x keys per step), at awkward sizes (D and
// key counts off every vector width, strided K and V rows, 0 to 3 segments per
// row), and the whole tile step (scores, bias, mask, online softmax,
// accumulate).
#include <cmath>
#include <new>
#include <vector>

#include "harness/io/inputs.h"
#include "kernels/flash_tile_reference.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/flash_tile_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/flash_tile-inl.h"

#ifndef ATTNBENCH_TESTS_FLASH_TILE_TEST_ALIGNED_
#define ATTNBENCH_TESTS_FLASH_TILE_TEST_ALIGNED_
// The kernels load tiles with aligned loads, as the engine's scratch is.
template <class T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <class U>
  Aligned64(const Aligned64<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  friend bool operator==(const Aligned64&, const Aligned64&) { return true; }
};
using Floats = std::vector<float, Aligned64<float>>;
#endif

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

Floats Uniform(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Floats x(n);
  FillUniform(x.data(), static_cast<int64_t>(n), seed);
  for (float& v : x) v = lo + (v + 1.0f) * 0.5f * (hi - lo);
  return x;
}

// |a - b| within rel * scale + 1e-30 elementwise (both masked, or equal).
void ExpectClose(const Floats& a, const Floats& b, const Floats& scale,
                 float rel, const char* what, size_t dim, size_t n_keys) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const float tol = rel * (scale.empty() ? 1.0f : scale[i]) + 1e-30f;
    ASSERT_LE(std::fabs(a[i] - b[i]), tol)
        << what << " dim=" << dim << " keys=" << n_keys << " at " << i << ": "
        << a[i] << " vs " << b[i];
  }
}

// Per-row segments: slot s of row r inside the s-th of `slots` equal key
// ranges (so a row's slots are disjoint), flat or with a ramp whose weights
// stay in (0.2, 1], or empty for some rows.
struct Slots {
  Floats lo, hi, w0, step;
};
Slots MakeSlots(size_t br, size_t n_keys, size_t slots, uint64_t seed) {
  Slots s;
  const size_t n = std::max<size_t>(slots, 1) * br;
  s.lo.assign(n, 0.0f);
  s.hi.assign(n, 0.0f);
  s.w0.assign(n, 1.0f);
  s.step.assign(n, 0.0f);
  const Floats u = Uniform(4 * n, seed, 0.0f, 1.0f);
  for (size_t slot = 0; slot < slots; ++slot) {
    const float part0 = static_cast<float>(slot * n_keys / slots);
    const float part1 = static_cast<float>((slot + 1) * n_keys / slots);
    for (size_t r = 0; r < br; ++r) {
      const size_t at = slot * br + r;
      const float a = std::floor(part0 + u[4 * at] * (part1 - part0));
      s.lo[at] = a;
      s.hi[at] =
          r % 5 == 4 ? a : std::floor(a + u[4 * at + 1] * (part1 - a + 1));
      if (r % 3 == 1) {  // a ramp: w(t) = w0 + t * step within (0.2, 1]
        s.step[at] = 0.4f / static_cast<float>(n_keys);
        s.w0[at] = 0.25f + 0.3f * u[4 * at + 2];
      }
    }
  }
  return s;
}

template <size_t kRowVecs, size_t kKeys>
void CheckTileStep(size_t dim, size_t n_keys, size_t slots, bool bias,
                   bool nan_in_masked_v) {
  const hn::ScalableTag<float> d;
  const size_t br = kRowVecs * hn::Lanes(d);
  const size_t k_stride = dim + 3, v_stride = dim + 5;
  const uint64_t seed = dim * 1000 + n_keys * 10 + slots;
  const Floats qt = Uniform(dim * br, seed);
  const Floats k = Uniform(n_keys * k_stride, seed + 1);
  Floats v = Uniform(n_keys * v_stride, seed + 2);
  Floats b0 = Uniform(br, seed + 3);
  const float slope = bias ? 0.0625f : 0.0f;

  // Scores: tolerance from sum_x |q_x k_x| (targets without FMA round each
  // product).
  Floats st(n_keys * br), st_ref(n_keys * br), mag(n_keys * br);
  ScoresTile<kRowVecs, kKeys>(d, qt.data(), dim, k.data(), k_stride, n_keys,
                              st.data());
  reference::ScoresTile(br, qt.data(), dim, k.data(), k_stride, n_keys,
                        st_ref.data());
  for (size_t j = 0; j < n_keys; ++j) {
    for (size_t r = 0; r < br; ++r) {
      for (size_t x = 0; x < dim; ++x) {
        mag[j * br + r] += std::fabs(qt[x * br + r] * k[j * k_stride + x]);
      }
      mag[j * br + r] *= static_cast<float>(dim);
    }
  }
  ExpectClose(st, st_ref, mag, 1.2e-7f, "ScoresTile", dim, n_keys);
  st = st_ref;  // the next kernels start from equal inputs

  if (bias) {
    AddLinearBias<kRowVecs>(d, n_keys, b0.data(), slope, st.data());
    reference::AddLinearBias(br, n_keys, b0.data(), slope, st_ref.data());
    ExpectClose(st, st_ref, {}, 1e-5f, "AddLinearBias", dim, n_keys);
    st = st_ref;
  }

  // Mask: equal decisions, weights within rounding.
  const Slots s = MakeSlots(br, n_keys, slots, seed + 4);
  Floats wt = Uniform(n_keys * br, seed + 5, -0.5f, 1.0f);
  for (float& w : wt) w = std::max(w, 0.0f);  // slots == 0: given weights
  Floats wt_ref = wt;
  MaskTile<kRowVecs>(
      d, TileRows{s.lo.data(), s.hi.data(), s.w0.data(), s.step.data(), slots},
      n_keys, st.data(), wt.data());
  reference::MaskTile(br, s.lo.data(), s.hi.data(), s.w0.data(), s.step.data(),
                      slots, n_keys, st_ref.data(), wt_ref.data());
  for (size_t i = 0; i < st.size(); ++i) {
    ASSERT_EQ(st[i] == kMaskedScore, st_ref[i] == kMaskedScore)
        << "MaskTile slots=" << slots << " at " << i;
  }
  ExpectClose(st, st_ref, {}, 0.0f, "MaskTile scores", dim, n_keys);
  ExpectClose(wt, wt_ref, {}, 1e-6f, "MaskTile weights", dim, n_keys);
  wt = wt_ref;

  // Online softmax from a running state (some rows fresh).
  Floats m = Uniform(br, seed + 6), l = Uniform(br, seed + 7, 0.5f, 2.0f);
  for (size_t r = 0; r < br; r += 3) {
    m[r] = kMaskedScore;
    l[r] = 0.0f;
  }
  Floats ot = Uniform(dim * br, seed + 8);
  for (size_t r = 0; r < br; r += 3) {
    for (size_t x = 0; x < dim; ++x) ot[x * br + r] = 0.0f;
  }
  Floats m_ref = m, l_ref = l, ot_ref = ot;
  const float* w_in = slots == 0 && n_keys % 2 ? nullptr : wt.data();
  SoftmaxTile<kRowVecs>(d, n_keys, dim, w_in, st.data(), m.data(), l.data(),
                        ot.data());
  reference::SoftmaxTile(br, n_keys, dim, w_in, st_ref.data(), m_ref.data(),
                         l_ref.data(), ot_ref.data());
  ExpectClose(m, m_ref, {}, 0.0f, "SoftmaxTile max", dim, n_keys);
  ExpectClose(st, st_ref, {}, 2e-6f, "SoftmaxTile p", dim, n_keys);
  ExpectClose(l, l_ref, l_ref, 2e-6f, "SoftmaxTile sum", dim, n_keys);
  ExpectClose(ot, ot_ref, {}, 2e-6f, "SoftmaxTile rescale", dim, n_keys);
  st = st_ref;
  ot = ot_ref;

  // Accumulate (with NaN in masked keys' V: skipped, never reaching O).
  if (nan_in_masked_v) {
    for (size_t j = 0; j < n_keys; ++j) {
      bool masked_somewhere = false;
      for (size_t r = 0; r < br; ++r) masked_somewhere |= !(wt[j * br + r] > 0);
      bool masked_everywhere = true;
      for (size_t r = 0; r < br; ++r)
        masked_everywhere &= !(wt[j * br + r] > 0);
      if (masked_everywhere && masked_somewhere) v[j * v_stride] = NAN;
    }
  }
  Floats acc_mag(dim * br, 1.0f);
  for (size_t x = 0; x < dim; ++x) {
    for (size_t r = 0; r < br; ++r) {
      for (size_t j = 0; j < n_keys; ++j) {
        const float vv = v[j * v_stride + x];
        if (std::isfinite(vv))
          acc_mag[x * br + r] += std::fabs(st[j * br + r] * vv);
      }
      acc_mag[x * br + r] *= static_cast<float>(n_keys + 1);
    }
  }
  if (nan_in_masked_v) {
    AccumulateTile<kRowVecs, true, kKeys>(d, st.data(), wt.data(), v.data(),
                                          v_stride, dim, n_keys, ot.data());
  } else {
    AccumulateTile<kRowVecs, false, kKeys>(d, st.data(), nullptr, v.data(),
                                           v_stride, dim, n_keys, ot.data());
  }
  reference::AccumulateTile(br, st.data(), wt.data(), v.data(), v_stride, dim,
                            n_keys, nan_in_masked_v, ot_ref.data());
  for (size_t i = 0; i < ot.size(); ++i) {
    ASSERT_EQ(std::isnan(ot[i]), std::isnan(ot_ref[i])) << "NaN at " << i;
  }
  ExpectClose(ot, ot_ref, acc_mag, 1.2e-7f, "AccumulateTile", dim, n_keys);
}

void TestTileKernelsAgainstReference() {
  for (size_t dim : {1, 7, 16, 17, 40, 64, 129}) {
    for (size_t n_keys : {1, 3, 8, 9, 17, 100}) {
      for (size_t slots : {0, 1, 2, 3}) {
        const bool bias = (dim + n_keys) % 2 == 0;
        const bool nan = slots == 0 && dim % 2 == 1;
        // The engine's register tiles (2 x 8, 3 x 4) and two others.
        CheckTileStep<1, 8>(dim, n_keys, slots, bias, nan);
        CheckTileStep<2, 8>(dim, n_keys, slots, bias, nan);
        CheckTileStep<3, 4>(dim, n_keys, slots, bias, nan);
        CheckTileStep<2, 6>(dim, n_keys, slots, bias, nan);
      }
    }
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {
HWY_BEFORE_TEST(FlashTileTest);
HWY_EXPORT_AND_TEST_P(FlashTileTest, TestTileKernelsAgainstReference);
}  // namespace attnbench
#endif
