// The engine's decode path, for few query rows (Nq new tokens) against many
// keys. The query rows of all heads that share one key/value head form one
// block of R = Nq * H / Hkv rows, held with d as lanes, so each K and V byte
// is read once per grouped-query group, with no padding rows. The keys in
// reach split into splits of S keys on an absolute grid; S follows the
// problem (its longest reach), never the thread count, and each split is a
// task, so a few heads still keep every core busy (flash-decoding):
//   per task (batch, kv head, split):  Q_g = scale * the group's Q rows
//     per chunk c of Bc keys, in order, among those some row of the group
//     sees in the split (the rule's RowKeys: a sparse rule's runs of keys
//     are joined into full chunks, gathered, so only visible keys are read):
//       S = Q_g K_c^T;  bias;  weights of the rows the chunk is not full for;
//       online softmax per row (m, l);  O_g += P V_c
//     the split's (m, l, O_g) into its slot
//   merge, per row, the splits in order:  M = max_s m_s,
//     L = sum_s e^(m_s - M) l_s,  O = sum_s e^(m_s - M) O_s / L
// The order of every floating-point operation of a row is fixed by the
// problem: outputs are bitwise identical for every thread count. A
// chunk's steps are in variants/engine/decode_chunk-inl.h, which rows see
// its keys in decode_rows-inl.h.

#include "variants/engine/decode.h"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <type_traits>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/variant.h"
#include "harness/contract/workspace.h"
#include "kernels/bf16_scores.h"
#include "variants/engine/blocked_pass.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "variants/engine/decode.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// After highway.h: per-target kernels.
#include "kernels/decode_params-inl.h"
#include "kernels/decode_tile-inl.h"
#include "kernels/flash_tile-inl.h"
#include "kernels/row_ops-inl.h"
#include "variants/engine/decode_chunk-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One split of one group: its rows' softmax state and unnormalised output
// over keys [task.begin, task.end), written to the task's slot. The keys
// some row may see are taken in order, Bc at a time (a chunk may join the
// runs of a sparse rule).
template <class T>
void RunTask(const Problem& problem, const Tensors& t, const DecodePlan& plan,
             size_t index, TaskScratch<T>& w, float* slot) {
  const DecodeTask& task = plan.tasks[index];
  const DecodeGroup& group = plan.groups[task.group];
  const size_t dim = plan.dim;
  // The next task in the plan's order is most often the next this thread
  // runs (oneTBB runs a range's halves depth first): its first seen keys,
  // where it is in the same group, are fetched by this task's last chunk.
  w.follow = {0, 0};
  if (index + 1 < plan.tasks.size() &&
      plan.tasks[index + 1].group == task.group) {
    const DecodeTask& next = plan.tasks[index + 1];
    w.follow = {
        next.begin,
        std::min(next.lead_end,
                 next.begin + static_cast<int64_t>(PrefetchKeys<T>(dim)))};
  }
  for (size_t r = 0; r < plan.rows; ++r) {
    const T* q = StoredAs<T>(t.q, t.q16) + plan.Row(group, r).q_offset;
    w.q_rows[r] = q;
    for (size_t x = 0; x < dim; ++x) {
      w.q[r * dim + x] = plan.scale * WidenOne(q[x]);
    }
    if (r > 0 && plan.KeyListOf(group, r) == plan.KeyListOf(group, r - 1)) {
      w.row_keys[r] = w.row_keys[r - 1];
    } else {
      w.row_keys[r].clear();
      SliceKeys(plan.KeysOf(group, r), task.begin, task.end, w.row_keys[r]);
    }
    w.cursor[r] = 0;
  }
  // The kernels' padding rows (DecodePlan::kernel_rows): zero queries, so
  // that their scores are 0 and their outputs, which nothing reads, stay 0.
  std::fill(w.q + plan.rows * dim, w.q + plan.kernel_rows * dim, 0.0f);
  UnionOfRows(plan, group, w);
  std::fill(w.o, w.o + plan.kernel_rows * dim, 0.0f);
  std::fill(w.m, w.m + plan.rows, kMaskedScore);
  std::fill(w.l, w.l + plan.rows, 0.0f);
  const T* k = StoredAs<T>(t.k, t.k16) + group.kv_offset;
  const T* v = StoredAs<T>(t.v, t.v16) + group.kv_offset;
  // The first chunk's first K rows: no chunk before it fetched them ahead.
  size_t fetched = 0;
  for (const KeyRange& r : w.seen) {
    for (int64_t j = r.begin; j < r.end && fetched < PrefetchKeys<T>(dim);
         ++j, ++fetched) {
      PrefetchRow(k + j * static_cast<int64_t>(dim), dim);
    }
  }
  size_t run = 0;
  int64_t key = w.seen.empty() ? 0 : w.seen[0].begin;
  bool first = true;
  while (run < w.seen.size()) {
    w.runs.clear();
    size_t n = 0;
    while (n < plan.bc && run < w.seen.size()) {
      const int64_t take =
          std::min(static_cast<int64_t>(plan.bc - n), w.seen[run].end - key);
      w.runs.push_back({key, key + take, n});
      n += static_cast<size_t>(take);
      key += take;
      if (key == w.seen[run].end && ++run < w.seen.size()) {
        key = w.seen[run].begin;
      }
    }
    ProcessChunk(problem, plan, group, k, v, n, run, key, first, w);
    first = false;
  }
  AccumulatePending(plan, w);
  std::copy(w.m, w.m + plan.rows, slot);
  std::copy(w.l, w.l + plan.rows, slot + plan.rows);
  std::copy(w.o, w.o + plan.rows * dim, slot + 2 * plan.rows);
}

// Merges the splits of one group, in order, into O (summed in place, then
// divided).
void MergeGroup(const Problem& problem, const Tensors& t,
                const DecodePlan& plan, size_t g, const float* slots) {
  const DecodeGroup& group = plan.groups[g];
  const size_t rows = plan.rows, dim = plan.dim;
  const size_t slot_floats = plan.SlotFloats();
  for (size_t r = 0; r < rows; ++r) {
    const DecodeRow& row = plan.Row(group, r);
    float* out = t.o + row.q_offset;
    float big = kMaskedScore;
    for (size_t s = group.first_task; s < group.end_task; ++s) {
      big = std::max(big, slots[s * slot_floats + r]);
    }
    float sum = 0.0f;
    std::fill(out, out + dim, 0.0f);
    for (size_t s = group.first_task; s < group.end_task; ++s) {
      const float* slot = slots + s * slot_floats;
      const float scale = std::exp(slot[r] - big);
      sum += scale * slot[rows + r];
      const float* o = slot + 2 * rows + r * dim;
      for (size_t x = 0; x < dim; ++x) out[x] += scale * o[x];
    }
    const float inv =
        InverseSum(sum, problem.mask.Rule(), row.h, row.p, problem.shape.Nk);
    for (size_t x = 0; x < dim; ++x) out[x] *= inv;
  }
}

template <class T>
void DecodeImpl(const Problem& problem, const Tensors& t,
                const DecodePlan& plan) {
  ScratchBuffer<float> slots(plan.tasks.size() * plan.SlotFloats());
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // The path ScoreKeys (decode_chunk-inl.h) takes.
  if (std::is_same_v<T, Bf16> && plan.bf16_dot) NoteBf16DotUsed();
#endif
  // Per group, its tasks done; the last to finish merges the group's
  // slots (in the splits' order, whichever thread it runs on), while other
  // tasks still stream: no second pass over the groups.
  std::vector<std::atomic<size_t>> done(plan.groups.size());
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, plan.tasks.size(), 1),
      [&](const tbb::blocked_range<size_t>& range) HWY_ATTR {
        const ThreadScratch<T> scratch(plan);
        for (size_t i = range.begin(); i != range.end(); ++i) {
          RunTask(problem, t, plan, i, *scratch,
                  slots.data() + i * plan.SlotFloats());
          const size_t g = plan.tasks[i].group;
          const DecodeGroup& group = plan.groups[g];
          if (done[g].fetch_add(1, std::memory_order_acq_rel) + 1 ==
              group.end_task - group.first_task) {
            MergeGroup(problem, t, plan, g, slots.data());
          }
        }
      },
      tbb::simple_partitioner());
}

size_t BlockEighths() { return kDecodeBlockEighths; }
size_t SecondBlockEighths() { return kDecodeSecondBlockEighths; }
size_t KernelRows(size_t rows, bool fp32_rows) {
  return DecodeKernelRows(rows, fp32_rows);
}

// The problem with K and V (and Q) stored as fp32, bf16 or f16.
void DecodeF32(const Problem& problem, const Tensors& t,
               const DecodePlan& plan) {
  DecodeImpl<float>(problem, t, plan);
}
void DecodeBf16(const Problem& problem, const Tensors& t,
                const DecodePlan& plan) {
  DecodeImpl<Bf16>(problem, t, plan);
}
void DecodeF16(const Problem& problem, const Tensors& t,
               const DecodePlan& plan) {
  DecodeImpl<F16>(problem, t, plan);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace attnbench {

HWY_EXPORT(DecodeF32);
HWY_EXPORT(DecodeBf16);
HWY_EXPORT(DecodeF16);
HWY_EXPORT(BlockEighths);
HWY_EXPORT(SecondBlockEighths);
HWY_EXPORT(KernelRows);

size_t DecodeBlockEighths() { return HWY_DYNAMIC_DISPATCH(BlockEighths)(); }
size_t DecodeSecondBlockEighths() {
  return HWY_DYNAMIC_DISPATCH(SecondBlockEighths)();
}
size_t DecodeKernelRowsOf(size_t rows, bool fp32_rows) {
  return HWY_DYNAMIC_DISPATCH(KernelRows)(rows, fp32_rows);
}

void RunDecode(const Problem& problem, const Tensors& tensors,
               size_t key_block) {
  const DecodePlan plan = PlanDecode(problem, key_block);
  switch (problem.storage) {
    case DType::kBF16:
      HWY_DYNAMIC_DISPATCH(DecodeBf16)(problem, tensors, plan);
      return;
    case DType::kF16:
      HWY_DYNAMIC_DISPATCH(DecodeF16)(problem, tensors, plan);
      return;
    case DType::kF32:
      break;
  }
  HWY_DYNAMIC_DISPATCH(DecodeF32)(problem, tensors, plan);
}

}  // namespace attnbench
#endif  // HWY_ONCE
