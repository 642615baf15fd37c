// A rule run as its Parts (harness/contract/mask_rule.h): each part is one
// pass of the engine over positions regrouped by residue class mod m, and
// the passes merge through the softmax state (each resumes where the last
// stopped: the online softmax is the merge). With N a multiple of m, class
// r of head h is a head of its own, N / m rows at a stride of m rows, read
// in place; otherwise Q, K, V (and O and the state, between passes) are
// copied into class order and back.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "variants/engine/backward.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/class_order.h"

namespace attnbench {
namespace {

bool InPlace(const Shape& s, int64_t m) { return s.Nk % m == 0; }

bool NeedsCopies(const Problem& problem) {
  for (const ClassPart& part : problem.mask.Rule().Parts()) {
    if (!InPlace(problem.shape, part.modulus)) return true;
  }
  return false;
}

// Rows [heads, n, width] between the original order and class order
// (to_class: dst[Permuted(p)] = src[p]; else the inverse). Walks the class
// order sequentially, so that one side streams and the other has a
// constant stride of m rows.
void PermuteRows(const float* src, float* dst, int64_t heads, int64_t n,
                 int64_t width, const ClassOrder& order, bool to_class) {
  const int64_t classes = order.Classes(), m = order.Modulus();
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, heads * classes),
      [&](const tbb::blocked_range<int64_t>& range) {
        for (int64_t t = range.begin(); t != range.end(); ++t) {
          const int64_t h = t / classes, r = t % classes;
          int64_t q = h * n + order.ClassStart(r);
          for (int64_t p = h * n + r; p < (h + 1) * n; p += m, ++q) {
            const int64_t from = to_class ? p : q;
            const int64_t to = to_class ? q : p;
            std::copy_n(src + from * width, width, dst + to * width);
          }
        }
      });
}

// One part read in place: head h' = h * m + r of the pass is class r of
// head h (the classes of one head run one after another, so that their
// tasks read neighbouring rows), N / m rows each; the layout maps it to
// class r of its kv head.
void RunInPlace(const Problem& problem, const Tensors& t, const ClassPart& part,
                BlockedPass pass) {
  const Shape& s = problem.shape;
  const int64_t m = part.modulus, n = s.Nk;
  const int64_t heads = s.H * m, kv_heads = s.Hkv * m;
  Problem sub = problem;
  sub.shape = {s.B, heads, kv_heads, n / m, n / m, s.D};
  sub.mask = Mask(part.name, std::make_shared<ClassHeadRule>(m, part.within));
  const int64_t group = s.H / s.Hkv;
  const StridedLayout layout{
      m * s.D,
      [&](int64_t bh) {
        const int64_t bhq = bh / m, r = bh % m;  // (b * H + h), class
        return (bhq * n + r) * s.D;
      },
      [&](int64_t bh) {
        const int64_t b = bh / heads, h = bh % heads / m, r = bh % m;
        return ((b * s.Hkv + h / group) * n + r) * s.D;
      }};
  pass.layout = &layout;
  RunBlockedPass(sub, t, pass);
}

// One part on copies in class order.
void RunCopied(const Problem& problem, const Tensors& t, const ClassPart& part,
               BlockedPass pass) {
  const Shape& s = problem.shape;
  const int64_t n = s.Nk, heads = s.B * s.H, kv_heads = s.B * s.Hkv;
  const ClassOrder order(n, part.modulus);
  const auto q_size = static_cast<size_t>(s.QElements());
  const auto kv_size = static_cast<size_t>(s.KVElements());
  const auto rows = static_cast<size_t>(heads * n);
  ScratchBuffer<float> q(q_size), k(kv_size), v(kv_size), o(q_size);
  ScratchBuffer<float> m(rows), l(rows);
  PermuteRows(t.q, q.data(), heads, n, s.D, order, true);
  PermuteRows(t.k, k.data(), kv_heads, n, s.D, order, true);
  PermuteRows(t.v, v.data(), kv_heads, n, s.D, order, true);
  if (pass.resume) {
    PermuteRows(t.o, o.data(), heads, n, s.D, order, true);
    PermuteRows(pass.state->m, m.data(), heads, n, 1, order, true);
    PermuteRows(pass.state->l, l.data(), heads, n, 1, order, true);
  }
  Problem sub = problem;
  sub.mask = Mask(part.name, std::make_shared<ClassOrderRule>(n, part.modulus,
                                                              part.within));
  const SoftmaxState* state = pass.state;
  const SoftmaxState permuted{m.data(), l.data()};
  pass.state = &permuted;
  RunBlockedPass(sub, {q.data(), k.data(), v.data(), o.data()}, pass);
  PermuteRows(o.data(), t.o, heads, n, s.D, order, false);
  if (!pass.normalise) {
    PermuteRows(m.data(), state->m, heads, n, 1, order, false);
    PermuteRows(l.data(), state->l, heads, n, 1, order, false);
  }
}

}  // namespace

void Normalise(const Problem& problem, const Tensors& t,
               const SoftmaxState& state) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  tbb::parallel_for(int64_t{0}, s.B * s.H * s.Nq, [&](int64_t row) {
    const int64_t h = row / s.Nq % s.H, p = s.Nk - s.Nq + row % s.Nq;
    const float inv = InverseSum(state.l[row], rule, h, p, s.Nk);
    float* o = t.o + row * s.D;
    for (int64_t x = 0; x < s.D; ++x) o[x] *= inv;
  });
}

void RunBlockedParts(const Problem& problem, const Tensors& t,
                     EngineTuning tuning, const SoftmaxState* keep) {
  std::vector<ClassPart> parts = problem.mask.Rule().Parts();
  // A part in the original order last, so that it can normalise with the
  // whole rule's visibility.
  std::stable_partition(parts.begin(), parts.end(),
                        [](const ClassPart& p) { return p.modulus != 1; });
  const Shape& s = problem.shape;
  const auto rows = static_cast<size_t>(s.B * s.H * s.Nq);
  ScratchBuffer<float> m(keep ? 0 : rows), l(keep ? 0 : rows);
  const SoftmaxState state = keep ? *keep : SoftmaxState{m.data(), l.data()};
  const bool last_in_order =
      !keep && (parts.back().modulus == 1 || parts.size() == 1);
  for (size_t i = 0; i < parts.size(); ++i) {
    const ClassPart& part = parts[i];
    BlockedPass pass;
    pass.tuning = tuning;
    pass.state = &state;
    pass.resume = i > 0;
    pass.normalise = i + 1 == parts.size() && last_in_order;
    if (part.modulus == 1) {
      pass.visibility = &problem.mask.Rule();
      Problem sub = problem;
      sub.mask = Mask(part.name, part.within);
      RunBlockedPass(sub, t, pass);
    } else if (InPlace(s, part.modulus)) {
      RunInPlace(problem, t, part, pass);
    } else {
      RunCopied(problem, t, part, pass);
    }
  }
  if (!last_in_order) Normalise(problem, t, state);
}

void RunBlockedBackwardParts(const Problem& problem, const Tensors& t,
                             const Gradients& grads) {
  const Shape& s = problem.shape;
  const int64_t n = s.Nk, heads = s.B * s.H, kv_heads = s.B * s.Hkv;
  const auto q_size = static_cast<size_t>(s.QElements());
  const auto kv_size = static_cast<size_t>(s.KVElements());
  const auto rows = static_cast<size_t>(heads * n);
  std::fill(grads.dq, grads.dq + q_size, 0.0f);
  std::fill(grads.dk, grads.dk + kv_size, 0.0f);
  std::fill(grads.dv, grads.dv + kv_size, 0.0f);
  // One part's gradients, then (where it regroups) the part's inputs.
  ScratchBuffer<float> dq(q_size), dk(kv_size), dv(kv_size);
  const std::vector<ClassPart> parts = problem.mask.Rule().Parts();
  const bool copies =
      std::any_of(parts.begin(), parts.end(),
                  [](const ClassPart& p) { return p.modulus != 1; });
  ScratchBuffer<float> q(copies ? q_size : 0), k(copies ? kv_size : 0),
      v(copies ? kv_size : 0), o(copies ? q_size : 0),
      d_out(copies ? q_size : 0), m(copies ? rows : 0), l(copies ? rows : 0);
  const auto add = [](const float* src, float* dst, size_t size) {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, size, size_t{1} << 14),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t e = range.begin(); e != range.end(); ++e) {
                          dst[e] += src[e];
                        }
                      });
  };
  for (const ClassPart& part : parts) {
    Gradients g = grads;
    g.dq = dq.data();
    g.dk = dk.data();
    g.dv = dv.data();
    g.dz = nullptr;
    Problem sub = problem;
    if (part.modulus == 1) {
      sub.mask = Mask(part.name, part.within);
      RunBlockedBackward(sub, t, g);
      add(dq.data(), grads.dq, q_size);
      add(dk.data(), grads.dk, kv_size);
      add(dv.data(), grads.dv, kv_size);
      continue;
    }
    const ClassOrder order(n, part.modulus);
    PermuteRows(t.q, q.data(), heads, n, s.D, order, true);
    PermuteRows(t.k, k.data(), kv_heads, n, s.D, order, true);
    PermuteRows(t.v, v.data(), kv_heads, n, s.D, order, true);
    PermuteRows(t.o, o.data(), heads, n, s.D, order, true);
    PermuteRows(grads.d_out, d_out.data(), heads, n, s.D, order, true);
    PermuteRows(grads.row_max, m.data(), heads, n, 1, order, true);
    PermuteRows(grads.row_sum, l.data(), heads, n, 1, order, true);
    sub.mask = Mask(part.name, std::make_shared<ClassOrderRule>(n, part.modulus,
                                                                part.within));
    g.d_out = d_out.data();
    g.row_max = m.data();
    g.row_sum = l.data();
    RunBlockedBackward(sub, {q.data(), k.data(), v.data(), o.data()}, g);
    // Back to the original order (reusing the copies), then added.
    PermuteRows(dq.data(), q.data(), heads, n, s.D, order, false);
    PermuteRows(dk.data(), k.data(), kv_heads, n, s.D, order, false);
    PermuteRows(dv.data(), v.data(), kv_heads, n, s.D, order, false);
    add(q.data(), grads.dq, q_size);
    add(k.data(), grads.dk, kv_size);
    add(v.data(), grads.dv, kv_size);
  }
}

size_t BlockedBackwardPartsWorkspaceBytes(const Problem& problem) {
  const Shape& s = problem.shape;
  const auto rows = static_cast<size_t>(s.B * s.H * s.Nq);
  return (4 * static_cast<size_t>(s.QElements()) +
          4 * static_cast<size_t>(s.KVElements()) + 2 * rows) *
         sizeof(float);
}

size_t BlockedPartsWorkspaceBytes(const Problem& problem) {
  if (problem.mask.Rule().Parts().empty()) return 0;
  const Shape& s = problem.shape;
  const auto rows = static_cast<size_t>(s.B * s.H * s.Nq);
  size_t floats = 2 * rows;  // the state
  if (NeedsCopies(problem)) {
    floats += 2 * static_cast<size_t>(s.QElements()) +
              2 * static_cast<size_t>(s.KVElements()) + 2 * rows;
  }
  return floats * sizeof(float);
}

}  // namespace attnbench
