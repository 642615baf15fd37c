// sparse_strided: the Sparse Transformer's "strided" pattern (Child et al.
// 2019), causal: query p sees the band of the last L keys (itself included)
// and every L-th key before it: j <= p and (p - j < L or (p - j) mod L = 0).
// Mask strided:L.
//
// Tiled as is, a block of consecutive queries would scatter its strided keys
// over every tile (each row a different residue mod L) and waste about L
// times the work. So, as the paper's kernels do, the queries and keys are
// regrouped: in the order that lists positions by residue class mod L, the
// strided keys of a query are the earlier members of its own class, a
// contiguous, causal run. Two runs of the blocked engine over disjoint key
// sets, merged through their softmax states:
//   band:    window:L in the original order;
//   strided: Q, K, V permuted by class, each class strictly causal;
//   merge:   m = max(m_a, m_b), o = (o_a e^(m_a-m) + o_b e^(m_b-m)) /
//            (l_a e^(m_a-m) + l_b e^(m_b-m)).
// Needs Nq = Nk (the regrouping permutes queries and keys alike).
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <cmath>

#include "harness/mask_rule.h"
#include "harness/problem.h"
#include "harness/variant.h"
#include "harness/workspace.h"
#include "variants/engine/blocked.h"

namespace attnbench {
namespace {

// The definition (the oracle and naive evaluate it as is).
class StridedRule final : public MaskRule {
 public:
  explicit StridedRule(int64_t l) : l_(l) {}
  std::string Params() const override { return fmt::format("{}", l_); }
  int64_t Stride() const { return l_; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j <= p && (p - j < l_ || (p - j) % l_ == 0) ? 1.0 : 0.0;
  }
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    const int64_t q = std::min(p, nk - 1);
    return std::min(l_, q + 1) + q / l_;
  }

 private:
  int64_t l_;
};

ATTNBENCH_REGISTER_MASK({
    "strided",
    "strided:L (Sparse Transformer: the last L keys + every L-th before)",
    [](std::string_view params) -> std::shared_ptr<const MaskRule> {
      return std::make_shared<StridedRule>(ParseIntParams(params, {"L"}, 1)[0]);
    },
    [](const Shape&) -> std::vector<std::string> {
      return {"strided:1", "strided:4", "strided:9"};
    },
    "strided:128",
});

// Positions regrouped by residue class mod L: class r holds r, r + L, ...
class ClassOrder {
 public:
  ClassOrder(int64_t n, int64_t l) : n_(n), l_(l) {}
  int64_t ClassStart(int64_t r) const {  // permuted index of position r
    // Classes below r hold ceil((n - s) / l) positions each.
    const int64_t full = n_ / l_, extra = n_ % l_;
    return r * full + std::min(r, extra);
  }
  int64_t Permuted(int64_t p) const { return ClassStart(p % l_) + p / l_; }

 private:
  int64_t n_, l_;
};

// In the class order: the earlier members of the query's own class.
class EarlierInClassRule final : public MaskRule {
 public:
  EarlierInClassRule(int64_t n, int64_t l) : order_(n, l), l_(l), n_(n) {}
  std::string Params() const override { return ""; }
  int64_t Start(int64_t p) const {  // first permuted index of p's class
    int64_t r = std::min(l_ - 1, p / std::max<int64_t>(1, n_ / l_));
    while (r > 0 && order_.ClassStart(r) > p) --r;
    while (r + 1 < l_ && order_.ClassStart(r + 1) <= p) ++r;
    return order_.ClassStart(r);
  }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j < p && j >= Start(p) ? 1.0 : 0.0;
  }
  KeyRange Bounds(int64_t, int64_t p, int64_t) const override {
    return {Start(p), p};
  }
  bool Components(int64_t, int64_t p, int64_t, int64_t,
                  std::vector<KeyRange>& out) const override {
    out.push_back({Start(p), p});
    return true;
  }

 private:
  ClassOrder order_;
  int64_t l_, n_;
};

// Within one class run (a head of the strided view): the strictly earlier
// rows, j < p.
class StrictlyEarlierRule final : public MaskRule {
 public:
  std::string Params() const override { return ""; }
  double Weight(int64_t, int64_t p, int64_t j) const override {
    return j < p ? 1.0 : 0.0;
  }
  KeyRange Bounds(int64_t, int64_t p, int64_t nk) const override {
    return {0, std::min(p, nk)};
  }
  int64_t CountVisible(int64_t, int64_t p, int64_t nk) const override {
    return std::min(p, nk);
  }
  bool Components(int64_t, int64_t p, int64_t, int64_t,
                  std::vector<KeyRange>& out) const override {
    out.push_back({0, p});
    return true;
  }
};

// The permuted tensors and both runs' states, kept between runs of the
// same shape (fresh pages on every run cost more than the attention of a
// short stride). They count as workspace while they live.
struct SparseStridedBuffers {
  // copies: whether Q, K, V are copied into class order (N % L != 0).
  SparseStridedBuffers(size_t q_size, size_t kv_size, size_t rows, bool copies)
      : q(copies ? q_size : 0),
        k(copies ? kv_size : 0),
        v(copies ? kv_size : 0),
        o(q_size),
        band_m(rows),
        band_l(rows),
        m(rows),
        l(rows) {}
  ScratchBuffer<float> q, k, v, o, band_m, band_l, m, l;
};

class SparseStrided final : public Variant {
 public:
  std::string_view Name() const override { return "sparse_strided"; }
  std::string_view Summary() const override {
    return "blocked engine twice: the band, and queries/keys regrouped by "
           "residue class mod L; softmax states merged";
  }
  std::vector<std::string> SupportedMasks() const override {
    return {"strided"};
  }
  std::string WhyUnsupported(const Problem& problem) const override {
    std::string why = Variant::WhyUnsupported(problem);
    if (why.empty() && problem.shape.Nq != problem.shape.Nk) {
      why = fmt::format(
          "sparse_strided needs Nq = Nk (it regroups queries and keys "
          "alike); got Nq = {}, Nk = {}",
          problem.shape.Nq, problem.shape.Nk);
    }
    return why;
  }
  size_t EstimateWorkspaceBytes(const Problem& problem) const override {
    const Shape& s = problem.shape;
    // Permuted Q, K, V and O, both runs' states.
    const size_t q = static_cast<size_t>(s.QElements());
    const size_t kv = static_cast<size_t>(s.KVElements());
    const size_t rows = static_cast<size_t>(s.B * s.H * s.Nq);
    return sizeof(float) * (2 * q + 2 * kv + 4 * rows) +
           BlockedWorkspaceBound(problem);
  }
  void Run(const Problem& problem, const Tensors& t) const override;

 private:
  using Buffers = SparseStridedBuffers;
  void RunStridedInPlace(const Problem& problem, const Tensors& t, int64_t l,
                         Buffers& w) const;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<Buffers> buffers_;
};

// dst rows [heads, n, d] in class order from src rows in the original
// order. Walks dst sequentially, class by class, so that the writes stream
// and the reads have one constant stride (L rows), which prefetchers follow.
void Permute(const float* src, float* dst, int64_t heads, int64_t n, int64_t d,
             int64_t l, const ClassOrder& order) {
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, heads * std::min(l, n)),
                    [&](const tbb::blocked_range<int64_t>& range) {
                      for (int64_t t = range.begin(); t != range.end(); ++t) {
                        const int64_t h = t / std::min(l, n),
                                      r = t % std::min(l, n);
                        float* out = dst + (h * n + order.ClassStart(r)) * d;
                        for (int64_t p = r; p < n; p += l, out += d) {
                          std::copy_n(src + (h * n + p) * d, d, out);
                        }
                      }
                    });
}

// Merges the band run (unnormalised in o, states band_m, band_l in the
// original order) with the strided run (w.o, w.m, w.l) into o. where(b, h,
// p) gives the strided run's state index and output row of original row p:
//   m = max(m_a, m_b), o = (o_a e^(m_a-m) + o_b e^(m_b-m)) /
//                          (l_a e^(m_a-m) + l_b e^(m_b-m)).
template <class Where>
void MergeStates(const Shape& s, const SparseStridedBuffers& w, float* o,
                 const Where& where) {
  const int64_t n = s.Nk;
  tbb::parallel_for(int64_t{0}, s.B * s.H, [&](int64_t bh) {
    const int64_t b = bh / s.H, h = bh % s.H;
    for (int64_t p = 0; p < n; ++p) {
      const int64_t a = bh * n + p;
      const auto [c, row] = where(b, h, p);
      const float mx = std::max(w.band_m.data()[a], w.m.data()[c]);
      const float wa = std::exp(w.band_m.data()[a] - mx);
      const float wb = std::exp(w.m.data()[c] - mx);
      const float inv = 1.0f / (w.band_l.data()[a] * wa + w.l.data()[c] * wb);
      const float* ob = w.o.data() + row * s.D;
      float* out = o + a * s.D;
      for (int64_t x = 0; x < s.D; ++x) {
        out[x] = (out[x] * wa + ob[x] * wb) * inv;
      }
    }
  });
}

// The strided keys with N a multiple of L: each head's class r (positions
// r, r + L, ...) is a head of its own, N / L rows at a stride of L rows, and
// sees its earlier rows. Then the merge of both runs' states into O.
void SparseStrided::RunStridedInPlace(const Problem& problem, const Tensors& t,
                                      int64_t l, Buffers& w) const {
  const Shape& s = problem.shape;
  const int64_t n = s.Nk, rows = n / l, heads = s.H * l, kv_heads = s.Hkv * l;
  Problem strided = problem;
  strided.shape = {s.B, heads, kv_heads, rows, rows, s.D};
  strided.mask =
      Mask::Custom("strictly-earlier", std::make_shared<StrictlyEarlierRule>());
  // Head h' = r * H + h (class-major), so that the engine's grouped-query
  // mapping h' / (H / Hkv) = r * Hkv + h / (H / Hkv) finds the same class.
  const StridedLayout layout{
      l * s.D,
      [&](int64_t bh) {
        const int64_t b = bh / heads, r = bh % heads / s.H, h = bh % s.H;
        return ((b * s.H + h) * n + r) * s.D;
      },
      [&](int64_t kv) {
        const int64_t b = kv / kv_heads, r = kv % kv_heads / s.Hkv,
                      hk = kv % s.Hkv;
        return ((b * s.Hkv + hk) * n + r) * s.D;
      }};
  RunBlockedPartial(strided, {t.q, t.k, t.v, w.o.data()},
                    {w.m.data(), w.l.data()}, &layout);

  // w.o is in the original layout; the states are in the class order.
  MergeStates(s, w, t.o, [&](int64_t b, int64_t h, int64_t p) {
    const int64_t state = (b * heads + (p % l) * s.H + h) * rows + p / l;
    return std::make_pair(state, (b * s.H + h) * n + p);
  });
}

void SparseStrided::Run(const Problem& problem, const Tensors& t) const {
  const Shape& s = problem.shape;
  const int64_t l =
      static_cast<const StridedRule&>(*problem.mask.rule).Stride();
  const int64_t n = s.Nk, heads = s.B * s.H, kv_heads = s.B * s.Hkv;
  const size_t q_size = static_cast<size_t>(s.QElements());
  const size_t kv_size = static_cast<size_t>(s.KVElements());
  const size_t rows = static_cast<size_t>(heads * n);
  // With N a multiple of L the classes are L equal runs of N/L rows, read
  // in place through a strided view; otherwise Q, K, V are copied.
  const bool in_place = n % l == 0;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!buffers_ || buffers_->o.size() != q_size || buffers_->m.size() != rows ||
      buffers_->q.size() != (in_place ? 0 : q_size) ||
      buffers_->k.size() != (in_place ? 0 : kv_size)) {
    buffers_.reset();
    buffers_ = std::make_unique<Buffers>(q_size, kv_size, rows, !in_place);
  }
  Buffers& w = *buffers_;

  // Band: the last L keys, in the original order, unnormalised into O.
  Problem band = problem;
  band.mask = Mask::Window(l);
  RunBlockedPartial(band, t, {w.band_m.data(), w.band_l.data()});

  if (in_place) {
    RunStridedInPlace(problem, t, l, w);
    return;
  }

  // Strided: earlier members of the class, in class order.
  const ClassOrder order(n, l);
  Permute(t.q, w.q.data(), heads, n, s.D, l, order);
  Permute(t.k, w.k.data(), kv_heads, n, s.D, l, order);
  Permute(t.v, w.v.data(), kv_heads, n, s.D, l, order);
  Problem strided = problem;
  strided.mask = Mask::Custom("strided-classes",
                              std::make_shared<EarlierInClassRule>(n, l));
  RunBlockedPartial(strided, {w.q.data(), w.k.data(), w.v.data(), w.o.data()},
                    {w.m.data(), w.l.data()});

  // w.o and the states are in the class order.
  MergeStates(s, w, t.o, [&](int64_t b, int64_t h, int64_t p) {
    const int64_t row = (b * s.H + h) * n + order.Permuted(p);
    return std::make_pair(row, row);
  });
}

ATTNBENCH_REGISTER_VARIANT(SparseStrided);

}  // namespace
}  // namespace attnbench
