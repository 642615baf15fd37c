// The blocked engine's tasks (variants/engine/blocked.cc): the register
// tile and query block rows Br of the target, the sizes of one pass
// (PlanTasks: Bc, G query blocks a task, the heads a task holds) and
// where a task's rows live (MakeTask). Compiled once per Highway target,
// inside the engine's translation unit.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_ENGINE_TILE_TASKS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_ENGINE_TILE_TASKS_INL_H_
#undef ATTNBENCH_VARIANTS_ENGINE_TILE_TASKS_INL_H_
#else
#define ATTNBENCH_VARIANTS_ENGINE_TILE_TASKS_INL_H_
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"
#include "hwy/highway.h"
#include "kernels/bf16_scores.h"
#include "variants/engine/blocked.h"
#include "variants/engine/blocked_pass.h"
#include "variants/engine/scratch_layout.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The microkernels' register tile: kRowVecs row vectors x kKeyStep keys
// (scores) or output columns (P V) of accumulators, chosen per register
// file by the register-tile study (docs/flash.md "Register tiles"; the
// macros let scripts/register_tile_study.sh build each candidate):
// 2 x 8 with 32 vector registers (AVX3), 3 x 4 with 16 (AVX2, SSE4, ...).
#ifndef ATTNBENCH_WIDE_TILE
#define ATTNBENCH_WIDE_TILE 2, 8
#endif
#ifndef ATTNBENCH_NARROW_TILE
#define ATTNBENCH_NARROW_TILE 3, 4
#endif
constexpr size_t kWideTile[] = {ATTNBENCH_WIDE_TILE};
constexpr size_t kNarrowTile[] = {ATTNBENCH_NARROW_TILE};
constexpr const size_t* kTile =
    HWY_TARGET <= HWY_AVX3 ? kWideTile : kNarrowTile;
constexpr size_t kRowVecs = kTile[0];
constexpr size_t kKeyStep = kTile[1];

// Bf16 inputs on AVX3 may take Q K^T through vdpbf16ps (kernels/
// bf16_scores.h), whose blocks are this target's Br = 32 rows.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr bool kBf16DotTarget = true;
static_assert(kRowVecs * 16 == kBf16ScoreRows);
#else
constexpr bool kBf16DotTarget = false;
#endif

inline size_t QueryBlockRows() {
  const hn::ScalableTag<float> d;
  return kRowVecs * hn::Lanes(d);
}

inline bool FormsBf16Scores(const Problem& problem) {
  return kBf16DotTarget && problem.storage == DType::kBF16 &&
         problem.shape.D % 2 == 0 && Bf16DotEnabled();
}

// The sizes of one pass.
struct EnginePlan {
  size_t br, bc, dim, group;  // Br, Bc, D, query blocks per task (G)
  // Query heads per task (dividing H / Hkv): more than one where a head
  // has fewer query blocks than G, so that the heads of one key/value
  // head share each K/V tile as a head's blocks do.
  int64_t heads;
  int64_t n_blocks, n_groups, tasks;
  // Query blocks a task holds at most: G of each of its heads.
  size_t TaskBlocks() const { return group * static_cast<size_t>(heads); }
  float scale;
  // Bf16 Q and K: scores by vdpbf16ps from the stored bits (Q packed as
  // pairs, K read in place) instead of widened rows and FMAs.
  bool bf16_dot;
};

// Query blocks per task: a group shares every K/V tile while it is in
// cache, cutting K/V traffic G-fold; its scratch stays within kGroupBytes.
// Results do not depend on G (tiles lie on an absolute grid), so G may
// follow the thread count: enough tasks for 4 per thread.
inline EnginePlan PlanTasks(const Problem& problem, const EngineTuning& tuning,
                            bool contiguous) {
  const Shape& s = problem.shape;
  EnginePlan plan{};
  plan.br = QueryBlockRows();
  plan.bc = tuning.key_block;
  plan.dim = static_cast<size_t>(s.D);
  const auto br = static_cast<int64_t>(plan.br);
  plan.n_blocks = (s.Nq + br - 1) / br;
  const size_t rows_cap =
      tuning.group_rows != 0
          ? tuning.group_rows
          : BlockedGroupRowsCap(plan.br, plan.dim,
                                problem.storage != DType::kF32);
  const size_t by_cache = std::max<size_t>(1, rows_cap / plan.br);
  const int64_t by_tasks =
      plan.n_blocks * s.B * s.H / (4 * int64_t{problem.threads});
  plan.group = std::clamp<size_t>(
      static_cast<size_t>(std::max<int64_t>(by_tasks, 1)), 1, by_cache);
  const auto g = static_cast<int64_t>(plan.group);
  plan.n_groups = (plan.n_blocks + g - 1) / g;
  // A few query blocks a head (decode-like Nq beyond the decode path): a
  // task takes all the blocks of several heads of one key/value head,
  // whose K/V rows each head would otherwise stream alone (beyond the
  // caches at long Nk): the most heads (dividing H / Hkv) whose blocks fit
  // in the cache's cap and that leave G's 4 tasks a thread, or the same
  // whole number of tasks on every thread (such tasks cost the same; H=8
  // Hkv=1 Nq=32 D=64 Nk=65536, 2 threads: 0.761x the time with one task a
  // thread against 8 one-head tasks; docs/flash.md "Threads and cache").
  // Contiguous layouts only (a layout regroups heads).
  plan.heads = 1;
  const int64_t per_kv = s.H / s.Hkv;
  for (int64_t heads = per_kv; contiguous && heads > 1; --heads) {
    const int64_t blocks = heads * plan.n_blocks;
    if (per_kv % heads != 0 || blocks > static_cast<int64_t>(by_cache)) {
      continue;
    }
    if (blocks <= g || (s.B * s.H / heads) % problem.threads == 0) {
      plan.heads = heads;  // every block of a head, `heads` heads a task
      plan.group = static_cast<size_t>(plan.n_blocks);
      plan.n_groups = 1;
      break;
    }
  }
  plan.tasks = plan.n_groups * s.B * (s.H / plan.heads);
  plan.scale = static_cast<float>(problem.Scale());
  plan.bf16_dot = FormsBf16Scores(problem);
  return plan;
}

// Where a task's head lives and what it needs besides its rows.
struct TaskView {
  int64_t h, bh, first_block;   // the first of plan.heads heads: h, b * H + h
  int64_t q_head, kv_head, rs;  // offsets and row stride, in elements
  const float* k;               // fp32 storage
  const float* v;
  const uint16_t* k16;  // half-precision storage (storage != f32)
  const uint16_t* v16;
  DType storage;
};

// Head-major, groups in order: the tasks a thread runs back to back
// (oneTBB hands out contiguous ranges) are neighbouring groups of one head,
// whose windows share most of their K/V tiles in cache.
inline TaskView MakeTask(const Problem& problem, const Tensors& t,
                         const EnginePlan& plan, const StridedLayout* layout,
                         int64_t task) {
  const Shape& s = problem.shape;
  TaskView v{};
  v.first_block = (task % plan.n_groups) * static_cast<int64_t>(plan.group);
  v.bh = task / plan.n_groups * plan.heads;
  v.h = v.bh % s.H;
  const int64_t kv = (v.bh / s.H) * s.Hkv + v.h / (s.H / s.Hkv);
  v.q_head = layout ? layout->q_head(v.bh) : v.bh * s.Nq * s.D;
  v.kv_head = layout ? layout->kv_head(v.bh) : kv * s.Nk * s.D;
  v.rs = layout ? layout->row_stride : s.D;
  v.storage = problem.storage;
  v.k = t.k ? t.k + v.kv_head : nullptr;
  v.v = t.v ? t.v + v.kv_head : nullptr;
  v.k16 = t.k16 ? t.k16 + v.kv_head : nullptr;
  v.v16 = t.v16 ? t.v16 + v.kv_head : nullptr;
  return v;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_ENGINE_TILE_TASKS_INL_H_
