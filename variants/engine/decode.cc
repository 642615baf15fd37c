// The engine's decode path, for few query rows (Nq new tokens) against many
// keys. The query rows of all heads that share one key/value head form one
// block of R = Nq * H / Hkv rows, held with d as lanes, so each K and V byte
// is read once per grouped-query group, with no padding rows. The keys in
// reach split into splits of S keys on an absolute grid; S follows the
// problem (its longest reach), never the thread count, and each split is a
// task, so a few heads still keep every core busy (flash-decoding):
//   per task (batch, kv head, split):  Q_g = scale * the group's Q rows
//     per key chunk [c0, c0 + Bc) in the split's reach:
//       S = Q_g K_c^T;  bias;  weights of the rows the chunk is not full for;
//       online softmax per row (m, l);  O_g += P V_c
//     the split's (m, l, O_g) into its slot
//   merge, per row, the splits in order:  M = max_s m_s,
//     L = sum_s e^(m_s - M) l_s,  O = sum_s e^(m_s - M) O_s / L
// The order of every floating-point operation of a row is fixed by the
// problem: outputs are bitwise identical for every thread count.

#include "variants/engine/decode.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "variants/engine/blocked_pass.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/engine/decode.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/decode_tile-inl.h"
#include "kernels/flash_tile-inl.h"
#include "kernels/row_ops-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The task's rows and the work of a chunk: per row whether it sees none,
// all, or some of the chunk's keys.
enum class RowChunk { kNone, kFull, kPartial };

// Per-thread scratch of a task, carved from one ScratchBuffer as
// DecodePlan::TaskScratchFloats counts it.
struct TaskScratch {
  explicit TaskScratch(const DecodePlan& plan)
      : buffer(plan.TaskScratchFloats()), kind(plan.rows) {
    // kt and st first: whole vectors from the aligned start.
    kt = buffer.data();
    st = kt + plan.dim * kDecodeKeyLanes;
    q = st + plan.rows * kDecodeKeyLanes;
    o = q + plan.rows * plan.dim;
    m = o + plan.rows * plan.dim;
    l = m + plan.rows;
    s = l + plan.rows;
    w = s + plan.rows * plan.bc;
  }
  ScratchBuffer<float> buffer;
  float *kt, *st;  // a block of K transposed, and its scores
  float *q, *o, *m, *l, *s, *w;
  std::vector<RowChunk> kind;
};

// The keys of chunk [lo, hi) that some row sees, narrowed to the first
// and last of them (a sparse rule reads only those), and per row whether
// it sees none, all or some of that range. False if no row sees any.
bool ClassifyRows(const MaskRule& rule, const DecodePlan& plan,
                  const DecodeGroup& group, int64_t& lo, int64_t& hi,
                  TaskScratch& w) {
  thread_local std::vector<KeyPiece> spans;  // per row: first..last, full?
  spans.resize(plan.rows);
  int64_t first = hi, last = lo;
  for (size_t r = 0; r < plan.rows; ++r) {
    spans[r] = RowSpan(rule, group.rows[r], lo, hi);
    if (spans[r].kind == TileKind::kEmpty) continue;
    first = std::min(first, spans[r].begin);
    last = std::max(last, spans[r].end);
  }
  if (first >= last) return false;
  lo = first;
  hi = last;
  for (size_t r = 0; r < plan.rows; ++r) {
    const KeyPiece& span = spans[r];
    w.kind[r] =
        span.kind == TileKind::kEmpty ? RowChunk::kNone
        : span.kind == TileKind::kFull && span.begin == lo && span.end == hi
            ? RowChunk::kFull
            : RowChunk::kPartial;
  }
  return true;
}

// Rows from which S = Q K^T runs with keys as lanes: K transposed in blocks
// (AVX3's register transposes), then the rows-as-lanes tile kernel with
// the roles of rows and keys swapped: no reduction across lanes, and each
// K element used by all rows from registers. Only on AVX3, where the
// transpose is cheap, and from 32 rows: measured Nq=4, 8, 16 with H=32,
// Hkv=8 (16, 32, 64 rows), 0.95x, 1.10x and 1.2x of the d-as-lanes kernels.
#if HWY_TARGET <= HWY_AVX3
constexpr size_t kKeysAsLanesRows = 32;
#else
constexpr size_t kKeysAsLanesRows = ~size_t{0};
#endif

// w.s[r * Bc + t] = q_r . k_t for the chunk's n keys at k, keys as lanes,
// blocks of 2 vectors of keys; K rows before prefetch_end fetched ahead.
void ScoresKeysAsLanes(const DecodePlan& plan, const float* k, size_t n,
                       size_t prefetch_end, TaskScratch& w) {
  const hn::ScalableTag<float> d;
  constexpr size_t kVecs = 2;
  const size_t bk = kVecs * hn::Lanes(d), dim = plan.dim;
  for (size_t t0 = 0; t0 < n; t0 += bk) {
    for (size_t t = t0 + bk; t < std::min(t0 + 2 * bk, prefetch_end); ++t) {
      PrefetchRow(k + t * dim, dim);
    }
    const size_t keys = std::min(bk, n - t0);
    PackRowsAsLanes(k + t0 * dim, dim, dim, keys, bk, 1.0f, w.kt);
    ScoresTile<kVecs>(d, w.kt, dim, w.q, dim, plan.rows, w.st);
    for (size_t r = 0; r < plan.rows; ++r) {
      std::copy(w.st + r * bk, w.st + r * bk + keys, w.s + r * plan.bc + t0);
    }
  }
}

// Row r's scores over keys [lo, lo + n) in w.s become probabilities:
// bias, weights (a partial row), online softmax (m, l, O rescaled).
void SoftmaxRow(const MaskRule& rule, const DecodePlan& plan,
                const DecodeRow& row, size_t r, int64_t lo, size_t n,
                TaskScratch& w) {
  const hn::ScalableTag<float> d;
  float* s = w.s + r * plan.bc;
  if (w.kind[r] == RowChunk::kNone) {
    std::fill(s, s + n, 0.0f);
    return;
  }
  if (row.slope != 0.0) {  // bias -slope (p - j)
    DecodeAddBias(
        d, s, n,
        static_cast<float>(-row.slope * static_cast<double>(row.p - lo)),
        static_cast<float>(row.slope));
  }
  const bool partial = w.kind[r] == RowChunk::kPartial;
  if (partial) {
    rule.WeightRow(row.h, row.p, lo, static_cast<int64_t>(n), w.w);
    for (size_t t = 0; t < n; ++t) {
      if (!(w.w[t] > 0.0f)) s[t] = kMaskedScore;
    }
  }
  const float m_old = w.m[r];
  const float m_new = std::max(m_old, RowMax(d, s, n));
  ExpShifted(d, s, n, m_new);
  if (partial) {
    for (size_t t = 0; t < n; ++t) s[t] *= w.w[t];
  }
  const float alpha = std::exp(m_old - m_new);
  w.l[r] = alpha * w.l[r] + RowSum(d, s, n);
  w.m[r] = m_new;
  if (m_new != m_old) ScaleRow(d, alpha, w.o + r * plan.dim, plan.dim);
}

// O += P V over keys [lo, lo + n). A masked key's NaN or Inf in V must not
// reach the output: where some row does not see the whole chunk and V is
// not all finite, masked keys (weight 0) leave a row untouched.
void AccumulateChunk(const MaskRule& rule, const DecodePlan& plan,
                     const DecodeGroup& group, const float* v, int64_t lo,
                     size_t n, size_t prefetch_end, TaskScratch& w) {
  const hn::ScalableTag<float> d;
  const size_t dim = plan.dim, bc = plan.bc;
  const bool all_full =
      std::all_of(w.kind.begin(), w.kind.end(),
                  [](RowChunk kind) { return kind == RowChunk::kFull; });
  bool finite = true;
  for (size_t t = 0; !all_full && finite && t < n; ++t) {
    finite = AllFinite(d, v + (lo + static_cast<int64_t>(t)) * dim, dim);
  }
  if (finite) {
    DecodeAccumulate(d, w.s, bc, plan.rows, v + lo * dim, dim, dim, n, w.o,
                     prefetch_end);
    return;
  }
  for (size_t r = 0; r < plan.rows; ++r) {
    if (w.kind[r] == RowChunk::kNone) continue;
    const DecodeRow& row = group.rows[r];
    if (w.kind[r] == RowChunk::kPartial) {
      rule.WeightRow(row.h, row.p, lo, static_cast<int64_t>(n), w.w);
    }
    for (size_t t = 0; t < n; ++t) {
      if (w.kind[r] == RowChunk::kPartial && !(w.w[t] > 0.0f)) continue;
      MulAddRow(d, w.s[r * bc + t], v + (lo + static_cast<int64_t>(t)) * dim,
                w.o + r * dim, dim);
    }
  }
}

// Keys [lo, hi) of the task's chunk (of keys up to task_end) for every
// row: scores, then each row's softmax, then O += P V.
void ProcessChunk(const Problem& problem, const DecodePlan& plan,
                  const DecodeGroup& group, const float* k, const float* v,
                  int64_t lo, int64_t hi, int64_t task_end, TaskScratch& w) {
  const hn::ScalableTag<float> d;
  const MaskRule& rule = problem.mask.Rule();
  const int64_t chunk_end = hi;
  if (!ClassifyRows(rule, plan, group, lo, hi, w)) return;
  // Keys are fetched ahead up to the task's end, or to the last key some
  // row sees when that ends the chunk early (a sparse rule's gap follows).
  const auto prefetch_end =
      static_cast<size_t>((hi < chunk_end ? hi : task_end) - lo);
  const auto n = static_cast<size_t>(hi - lo);
  if (plan.rows >= kKeysAsLanesRows) {
    ScoresKeysAsLanes(plan, k + lo * plan.dim, n, prefetch_end, w);
  } else {
    DecodeScores(d, w.q, plan.dim, plan.rows, k + lo * plan.dim, plan.dim, n,
                 w.s, plan.bc, prefetch_end);
  }
  for (size_t r = 0; r < plan.rows; ++r) {
    SoftmaxRow(rule, plan, group.rows[r], r, lo, n, w);
  }
  AccumulateChunk(rule, plan, group, v, lo, n, prefetch_end, w);
}

// One split of one group: its rows' softmax state and unnormalised output
// over keys [task.begin, task.end), written to the task's slot.
void RunTask(const Problem& problem, const Tensors& t, const DecodePlan& plan,
             const DecodeTask& task, TaskScratch& w, float* slot) {
  const DecodeGroup& group = plan.groups[task.group];
  const size_t dim = plan.dim;
  for (size_t r = 0; r < plan.rows; ++r) {
    const float* q = t.q + group.rows[r].q_offset;
    for (size_t x = 0; x < dim; ++x) w.q[r * dim + x] = plan.scale * q[x];
  }
  std::fill(w.o, w.o + plan.rows * dim, 0.0f);
  std::fill(w.m, w.m + plan.rows, kMaskedScore);
  std::fill(w.l, w.l + plan.rows, 0.0f);
  const float* k = t.k + group.kv_offset;
  const float* v = t.v + group.kv_offset;
  const auto bc = static_cast<int64_t>(plan.bc);
  for (int64_t c0 = task.begin / bc * bc; c0 < task.end; c0 += bc) {
    ProcessChunk(problem, plan, group, k, v, std::max(c0, task.begin),
                 std::min(c0 + bc, task.end), task.end, w);
  }
  std::copy(w.m, w.m + plan.rows, slot);
  std::copy(w.l, w.l + plan.rows, slot + plan.rows);
  std::copy(w.o, w.o + plan.rows * dim, slot + 2 * plan.rows);
}

// Merges the splits of one group, in order, into O.
void MergeGroup(const Problem& problem, const Tensors& t,
                const DecodePlan& plan, size_t g, const float* slots) {
  const DecodeGroup& group = plan.groups[g];
  const size_t rows = plan.rows, dim = plan.dim;
  const size_t slot_floats = plan.SlotFloats();
  std::vector<float> acc(dim);
  for (size_t r = 0; r < rows; ++r) {
    float big = kMaskedScore;
    for (size_t s = group.first_task; s < group.end_task; ++s) {
      big = std::max(big, slots[s * slot_floats + r]);
    }
    float sum = 0.0f;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (size_t s = group.first_task; s < group.end_task; ++s) {
      const float* slot = slots + s * slot_floats;
      const float scale = std::exp(slot[r] - big);
      sum += scale * slot[rows + r];
      const float* o = slot + 2 * rows + r * dim;
      for (size_t x = 0; x < dim; ++x) acc[x] += scale * o[x];
    }
    const DecodeRow& row = group.rows[r];
    const float inv =
        InverseSum(sum, problem.mask.Rule(), row.h, row.p, problem.shape.Nk);
    float* out = t.o + row.q_offset;
    for (size_t x = 0; x < dim; ++x) out[x] = acc[x] * inv;
  }
}

void DecodeImpl(const Problem& problem, const Tensors& t,
                const DecodePlan& plan) {
  ScratchBuffer<float> slots(plan.tasks.size() * plan.SlotFloats());
  tbb::enumerable_thread_specific<TaskScratch> scratch(
      [&] { return TaskScratch(plan); });
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, plan.tasks.size(), 1),
      [&](const tbb::blocked_range<size_t>& range) HWY_ATTR {
        TaskScratch& w = scratch.local();
        for (size_t i = range.begin(); i != range.end(); ++i) {
          RunTask(problem, t, plan, plan.tasks[i], w,
                  slots.data() + i * plan.SlotFloats());
        }
      },
      tbb::simple_partitioner());
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, plan.groups.size(), 1),
      [&](const tbb::blocked_range<size_t>& range) {
        for (size_t g = range.begin(); g != range.end(); ++g) {
          MergeGroup(problem, t, plan, g, slots.data());
        }
      },
      tbb::simple_partitioner());
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(DecodeImpl);

void RunDecode(const Problem& problem, const Tensors& tensors,
               size_t key_block) {
  const DecodePlan plan = PlanDecode(problem, key_block);
  HWY_DYNAMIC_DISPATCH(DecodeImpl)(problem, tensors, plan);
}

}  // namespace attnbench
#endif  // HWY_ONCE
