// The decode kernels of kernels/decode_tile-inl.h against their scalar
// twins in kernels/decode_reference.h, on every compiled Highway target: D
// and key counts off every vector width, row counts off every register
// tile, K/V rows strided as in a tensor with more columns than D.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/io/dtype.h"
#include "harness/io/inputs.h"
#include "kernels/decode_reference.h"
#include "kernels/half.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/decode_tile_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/decode_tile-inl.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

std::vector<float> DecodeInputs(size_t n, uint64_t seed) {
  std::vector<float> x(n);
  FillUniform(x.data(), static_cast<int64_t>(n), seed);
  return x;
}

// |a - b| <= rel * scale[i] (scale: the sum of |terms| of element i).
void ExpectNear(const std::vector<float>& a, const std::vector<float>& b,
                const std::vector<float>& scale, const char* what, size_t dim,
                size_t rows, size_t keys) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    // fp32 sums of up to max(dim, keys) terms: a few ULP of the magnitude.
    const float tol = 4e-7f * static_cast<float>(dim + keys) * scale[i];
    ASSERT_LE(std::fabs(a[i] - b[i]), tol)
        << what << " dim=" << dim << " rows=" << rows << " keys=" << keys
        << " at " << i << ": " << a[i] << " vs " << b[i];
  }
}

void CheckDecodeKernels(size_t dim, size_t rows, size_t keys) {
  const hn::ScalableTag<float> d;
  const size_t stride = dim + 3, ld = keys + 5;
  const std::vector<float> q = DecodeInputs(rows * dim, 1 + dim);
  const std::vector<float> k = DecodeInputs(keys * stride, 2 + keys);
  const std::vector<float> v = DecodeInputs(keys * stride, 3 + rows);
  // Key t of the chunk is row (t * 5) % keys' of the tensor when 5 and the
  // key count are coprime (rows need not be adjacent nor in order), else
  // row t; the reference reads the same rows.
  std::vector<const float*> k_rows, v_rows;
  for (size_t t = 0; t < keys; ++t) {
    const size_t row = keys % 5 != 0 ? t * 5 % keys : t;
    k_rows.push_back(&k[row * stride]);
    v_rows.push_back(&v[row * stride]);
  }
  std::vector<float> k_ref(keys * stride), v_ref(keys * stride);
  for (size_t t = 0; t < keys; ++t) {
    std::copy(k_rows[t], k_rows[t] + dim, &k_ref[t * stride]);
    std::copy(v_rows[t], v_rows[t] + dim, &v_ref[t * stride]);
  }
  std::vector<float> s(rows * ld, 0.0f), s_ref(rows * ld, 0.0f);
  DecodeScores(d, q.data(), dim, rows, k_rows.data(), keys, s.data(), ld);
  reference::DecodeScores(q.data(), dim, rows, k_ref.data(), stride, keys,
                          s_ref.data(), ld);
  // Inputs in [-1, 1): each score's terms are at most 1 in magnitude.
  ExpectNear(s, s_ref, std::vector<float>(s.size(), 1.0f), "DecodeScores", dim,
             rows, keys);

  const std::vector<float> p = DecodeInputs(rows * ld, 4 + dim);
  std::vector<float> o = DecodeInputs(rows * dim, 5 + keys);
  std::vector<float> o_ref = o;
  DecodeAccumulate(d, p.data(), ld, rows, v_rows.data(), dim, keys, o.data());
  reference::DecodeAccumulate(p.data(), ld, rows, v_ref.data(), stride, dim,
                              keys, o_ref.data());
  ExpectNear(o, o_ref, std::vector<float>(o.size(), 1.0f), "DecodeAccumulate",
             dim, rows, keys);

  // Fetching rows ahead (here more of them than keys) changes no result.
  std::vector<const float*> ahead;
  for (size_t t = 0; t < keys + 1; ++t)
    ahead.push_back(&k[(t % keys) * stride]);
  std::vector<float> s2(rows * ld, 0.0f);
  DecodeScores(d, q.data(), dim, rows, k_rows.data(), keys, s2.data(), ld,
               ahead.data(), ahead.size());
  EXPECT_EQ(s2, s) << "DecodeScores fetching ahead, dim=" << dim
                   << " rows=" << rows << " keys=" << keys;
  std::vector<float> o2 = DecodeInputs(rows * dim, 5 + keys);
  DecodeAccumulate(d, p.data(), ld, rows, v_rows.data(), dim, keys, o2.data(),
                   ahead.data(), ahead.size());
  EXPECT_EQ(o2, o) << "DecodeAccumulate fetching ahead, dim=" << dim
                   << " rows=" << rows << " keys=" << keys;
  // All keys through one block of d at a time (the order for many rows,
  // kDecodeValueAllKeysRows): each sum in the same order, the same bits.
  std::vector<float> o5 = DecodeInputs(rows * dim, 5 + keys);
  const float* const* v_list_all = v_rows.data();
  const float* const* ahead_all = ahead.data();
  DecodeAccumulateOf<true>(d, p.data(), ld, rows, v_list_all, dim, keys,
                           o5.data(), ahead_all, ahead.size());
  EXPECT_EQ(o5, o) << "DecodeAccumulateOf, all keys a block, dim=" << dim
                   << " rows=" << rows << " keys=" << keys;

  // Adjacent rows (one run: addresses computed, AdjacentRows) give the
  // same bits as the same rows listed by pointer.
  const AdjacentRows<float> k_run{k.data(), stride}, v_run{v.data(), stride};
  std::vector<const float*> k_list, v_list;
  for (size_t t = 0; t < keys; ++t) {
    k_list.push_back(k_run[t]);
    v_list.push_back(v_run[t]);
  }
  std::vector<float> s3(rows * ld, 0.0f), s4(rows * ld, 0.0f);
  DecodeScoresOf(d, q.data(), dim, rows, k_run, keys, s3.data(), ld, k_run,
                 keys / 2);
  DecodeScores(d, q.data(), dim, rows, k_list.data(), keys, s4.data(), ld);
  EXPECT_EQ(s3, s4) << "DecodeScoresOf on adjacent rows, dim=" << dim;
  std::vector<float> o3 = DecodeInputs(rows * dim, 5 + keys), o4 = o3;
  DecodeAccumulateOf(d, p.data(), ld, rows, v_run, dim, keys, o3.data(), v_run,
                     keys / 2);
  DecodeAccumulate(d, p.data(), ld, rows, v_list.data(), dim, keys, o4.data());
  EXPECT_EQ(o3, o4) << "DecodeAccumulateOf on adjacent rows, dim=" << dim;
}

// K and V rows stored as T (bf16 or f16 bits, each value rounded first):
// the kernels widen them in registers and give what they give on the fp32
// values.
template <class T>
void CheckHalfRows(size_t dim, size_t rows, size_t keys, DType dtype) {
  const hn::ScalableTag<float> d;
  const size_t ld = keys + 3;
  const std::vector<float> q = DecodeInputs(rows * dim, 11 + dim);
  std::vector<float> k = DecodeInputs(keys * dim, 12 + keys);
  std::vector<float> v = DecodeInputs(keys * dim, 13 + rows);
  std::vector<uint16_t> k16(k.size()), v16(v.size());
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = RoundTo(dtype, k[i]);
    v[i] = RoundTo(dtype, v[i]);
    k16[i] = dtype == DType::kBF16 ? Bf16BitsOf(k[i]) : F16BitsOf(k[i]);
    v16[i] = dtype == DType::kBF16 ? Bf16BitsOf(v[i]) : F16BitsOf(v[i]);
  }
  std::vector<const float*> k_rows, v_rows;
  std::vector<const T*> k_half, v_half;
  for (size_t t = 0; t < keys; ++t) {
    k_rows.push_back(&k[t * dim]);
    v_rows.push_back(&v[t * dim]);
    k_half.push_back(reinterpret_cast<const T*>(&k16[t * dim]));
    v_half.push_back(reinterpret_cast<const T*>(&v16[t * dim]));
  }
  std::vector<float> s(rows * ld, 0.0f), s_half(rows * ld, 0.0f);
  DecodeScores(d, q.data(), dim, rows, k_rows.data(), keys, s.data(), ld);
  DecodeScores(d, q.data(), dim, rows, k_half.data(), keys, s_half.data(), ld,
               k_half.data(), keys);
  // Equal but for the scalar tail of d, which the compiler may contract
  // into FMAs differently for the two element types.
  ExpectNear(s_half, s, std::vector<float>(s.size(), 1.0f),
             "DecodeScores, half", dim, rows, keys);
  std::vector<float> o(rows * dim, 0.5f), o_half(rows * dim, 0.5f);
  DecodeAccumulate(d, s.data(), ld, rows, v_rows.data(), dim, keys, o.data());
  DecodeAccumulate(d, s.data(), ld, rows, v_half.data(), dim, keys,
                   o_half.data(), v_half.data(), keys);
  ExpectNear(o_half, o, std::vector<float>(o.size(), 1.0f),
             "DecodeAccumulate, half", dim, rows, keys);
  EXPECT_EQ(AllFiniteWide(d, k_half[0], dim), AllFinite(d, k_rows[0], dim));
}

void TestDecodeKernelsAgainstReference() {
  for (size_t dim : {1, 3, 8, 17, 40, 64, 128, 129}) {
    for (size_t rows : {1, 2, 3, 4, 5, 7, 13}) {
      for (size_t keys : {1, 2, 3, 6, 16, 33}) {
        CheckDecodeKernels(dim, rows, keys);
        CheckHalfRows<Bf16>(dim, rows, keys, DType::kBF16);
        CheckHalfRows<F16>(dim, rows, keys, DType::kF16);
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
HWY_BEFORE_TEST(DecodeTileTest);
HWY_EXPORT_AND_TEST_P(DecodeTileTest, TestDecodeKernelsAgainstReference);
}  // namespace attnbench
#endif
