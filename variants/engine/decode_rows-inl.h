// A decode task's per-thread scratch (variants/engine/decode.cc), and which
// of its rows see a chunk's keys, with what weights: the keys the rows may
// see in the task, their union, and each row's classification over a
// chunk (none, all, or some of its keys). Compiled once per Highway
// target, inside the engine's decode translation unit.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_ENGINE_DECODE_ROWS_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_ENGINE_DECODE_ROWS_INL_H_
#undef ATTNBENCH_VARIANTS_ENGINE_DECODE_ROWS_INL_H_
#else
#define ATTNBENCH_VARIANTS_ENGINE_DECODE_ROWS_INL_H_
#endif

#include <algorithm>
#include <new>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "hwy/aligned_allocator.h"
#include "hwy/highway.h"
#include "variants/engine/decode.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {

// The task's rows and the work of a chunk: per row whether it sees none,
// all, or some of the chunk's keys.
enum class RowChunk { kNone, kFull, kPartial };

// A contiguous run of a chunk's keys: keys [begin, end) of the tensor at
// positions [at, at + end - begin) of the chunk.
struct ChunkRun {
  int64_t begin, end;
  size_t at;
};

// A chunk whose O += P V is still to run: it runs interleaved with the
// next chunk's scores (ProcessChunk, decode_chunk-inl.h), so that K and V
// stream from memory side by side. n = 0: none.
template <class T>
struct PendingChunk {
  size_t n = 0;                      // keys
  float *s = nullptr, *w = nullptr;  // its probabilities and weights
  std::vector<RowChunk> kind;
  std::vector<const T*> v_rows, ahead_v;
  bool adjacent = false;
};

// Per-thread scratch of a task, carved from one aligned array as
// DecodePlan::TaskScratchFloats counts it; T is the element type K and V
// are stored in (float, Bf16 or F16). Each thread keeps its own across
// calls (ThreadScratch): a short step would otherwise spend microseconds
// allocating it and growing its lists, and as much again freeing them.
template <class T>
struct TaskScratch {
  // Carves the array for `plan`, reallocated only when it needs more.
  void Fit(const DecodePlan& plan) {
    const size_t floats = plan.TaskScratchFloats();
    if (floats > capacity) {
      storage = hwy::AllocateAligned<float>(floats);
      if (!storage) throw std::bad_alloc();
      capacity = floats;
    }
    kind.resize(plan.rows);
    q_rows.resize(plan.rows);
    pending.kind.resize(plan.rows);
    pending.n = 0;
    row_keys.resize(plan.rows);
    cursor.resize(plan.rows);
    repeats.resize(plan.rows);
    // kt and st first: whole vectors from the aligned start. Q, O and the
    // scores take the kernels' rows (padding rows too: kernel_rows).
    const size_t rows = plan.kernel_rows;
    kt = storage.get();
    st = kt + plan.dim * kDecodeKeyLanes;
    q = st + rows * kDecodeKeyLanes;
    o = q + rows * plan.dim;
    m = o + rows * plan.dim;
    l = m + rows;
    s = l + rows;
    w = s + rows * plan.bc;
    kg = w + rows * plan.bc;
    pending.s = kg + plan.bc * plan.dim;
    pending.w = pending.s + rows * plan.bc;
  }
  hwy::AlignedFreeUniquePtr<float[]> storage;
  size_t capacity = 0;                 // floats
  float *kt = nullptr, *st = nullptr;  // a block of K transposed, scores
  float *q = nullptr, *o = nullptr, *m = nullptr, *l = nullptr;
  float *s = nullptr, *w = nullptr;  // per row r: scores, weights at r * Bc
  float* kg = nullptr;  // K rows gathered and widened (keys as lanes, runs)
  // The group's query rows as stored, unscaled (the bf16 scores kernel's).
  std::vector<const T*> q_rows;
  std::vector<RowChunk> kind;
  // Per row: the keys it may see in the task (its slice of the plan's
  // list, SliceKeys), and the first of them a chunk can still reach.
  std::vector<std::vector<KeySegment>> row_keys;
  std::vector<size_t> cursor;
  // Per row: whether it sees the same keys with the same weights as the
  // row before it (the heads of one group under a rule that does not
  // depend on the head), so that its classification is a copy.
  std::vector<char> repeats;
  std::vector<KeyRange> seen;  // the union of row_keys, in order
  std::vector<ChunkRun> runs;  // the chunk's runs
  // The chunk's K and V rows, and the rows PrefetchKeys<T>(dim) keys later in
  // the task's order (fewer near its end), fetched ahead.
  std::vector<const T*> k_rows, v_rows, ahead_k, ahead_v;
  bool adjacent = false;  // one run, and the rows ahead continue it
  // The next task's first keys, where they follow on in the same group:
  // fetched ahead by this task's last chunks, so that the next task does
  // not start with a wait on memory.
  KeyRange follow{0, 0};
  PendingChunk<T> pending;  // the chunk before this one, its P V to run
};

// This thread's task scratch, fitted to `plan`, for the length of one task:
// its bytes count as workspace while the task runs (WorkspaceMeter), not
// while the thread keeps it between calls. A task runs no other task
// inside it, so one per thread is enough.
template <class T>
class ThreadScratch {
 public:
  explicit ThreadScratch(const DecodePlan& plan)
      : bytes_(plan.TaskScratchFloats() * sizeof(float)) {
    thread_local TaskScratch<T> mine;
    mine.Fit(plan);
    scratch_ = &mine;
    WorkspaceMeter::Allocated(bytes_);
  }
  ThreadScratch(const ThreadScratch&) = delete;
  ThreadScratch& operator=(const ThreadScratch&) = delete;
  ~ThreadScratch() { WorkspaceMeter::Freed(bytes_); }
  TaskScratch<T>& operator*() const { return *scratch_; }

 private:
  size_t bytes_;
  TaskScratch<T>* scratch_;
};

// The union of the rows' keys, as disjoint ranges in order (a row that
// repeats the one before it, as the heads of one group with one mask do,
// costs a comparison at most: none where both slice the same list of the
// plan, DecodePlan::KeyListOf), and which rows repeat the one before: the
// same segments, and, with exact keys, weights from the segments alone.
template <class T>
void UnionOfRows(const DecodePlan& plan, const DecodeGroup& group,
                 TaskScratch<T>& w) {
  w.seen.clear();
  for (size_t r = 0; r < w.row_keys.size(); ++r) {
    const std::vector<KeySegment>& keys = w.row_keys[r];
    w.repeats[r] = false;
    if (r > 0 && (plan.KeyListOf(group, r) == plan.KeyListOf(group, r - 1) ||
                  keys == w.row_keys[r - 1])) {
      // Row r - 1 repeating the row before it settles it for these keys.
      w.repeats[r] =
          (r > 1 && w.repeats[r - 1]) ||
          (plan.exact_keys &&
           std::all_of(keys.begin(), keys.end(), [](const KeySegment& k) {
             return k.Flat() || k.RampPrecise();
           }));
      continue;
    }
    MergeKeys(keys, w.seen);
  }
}

// Row r's weights over the chunk's n keys (w.w + r * Bc) and whether it
// sees none, all or some of them. False if no row sees any.
template <class T>
bool ClassifyRows(const MaskRule& rule, const DecodePlan& plan,
                  const DecodeGroup& group, size_t n, TaskScratch<T>& w) {
  bool any_row = false;
  for (size_t r = 0; r < plan.rows; ++r) {
    if (w.repeats[r]) {  // r > 0: a copy of row r - 1
      w.kind[r] = w.kind[r - 1];
      if (w.kind[r] == RowChunk::kPartial) {
        std::copy(w.w + (r - 1) * plan.bc, w.w + (r - 1) * plan.bc + n,
                  w.w + r * plan.bc);
      }
      continue;
    }
    const std::vector<KeySegment>& keys = w.row_keys[r];
    size_t& c = w.cursor[r];
    const size_t first = c;  // the first segment this chunk can meet
    // First, without writing: the keys of weight exactly 1 (flat segments,
    // and the flat part of a ramp), and whether any other key (a ramp's
    // slope, or a rule's envelope) meets the chunk. (span:Z's one ramp
    // segment covers every key it sees, 1 but for the last R.)
    size_t flat = 0;
    bool other = false;
    for (const ChunkRun& run : w.runs) {
      while (c < keys.size() && keys[c].end <= run.begin) ++c;
      for (size_t i = c; i < keys.size() && keys[i].begin < run.end; ++i) {
        const int64_t a = std::max(run.begin, keys[i].begin);
        const int64_t b = std::min(run.end, keys[i].end);
        if (!plan.exact_keys) {
          other = true;
          continue;
        }
        const KeyRange ones =
            keys[i].Flat() ? KeyRange{a, b} : keys[i].FlatKeys();
        const int64_t n_ones = std::max<int64_t>(
            0, std::min(b, ones.end) - std::max(a, ones.begin));
        flat += static_cast<size_t>(n_ones);
        other = other || n_ones < b - a;
      }
    }
    if (!other) {  // exact and flat: full, none, or 0/1 weights
      w.kind[r] = flat == n   ? RowChunk::kFull
                  : flat == 0 ? RowChunk::kNone
                              : RowChunk::kPartial;
      any_row = any_row || flat > 0;
      if (w.kind[r] != RowChunk::kPartial) continue;
    }
    float* wr = w.w + r * plan.bc;
    std::fill(wr, wr + n, 0.0f);
    size_t ones = 0, seen = 0;
    size_t i = first;
    for (const ChunkRun& run : w.runs) {
      while (i < keys.size() && keys[i].end <= run.begin) ++i;
      for (size_t k = i; k < keys.size() && keys[k].begin < run.end; ++k) {
        const KeySegment& seg = keys[k];
        const int64_t a = std::max(run.begin, seg.begin);
        const int64_t b = std::min(run.end, seg.end);
        float* out = wr + run.at + static_cast<size_t>(a - run.begin);
        const auto len = static_cast<size_t>(b - a);
        if (!plan.exact_keys || !seg.RampPrecise()) {
          const DecodeRow& row = plan.Row(group, r);
          rule.WeightRow(row.h, row.p, a, b - a, out);
        } else if (seg.Flat()) {
          std::fill(out, out + len, 1.0f);
        } else {
          for (int64_t j = a; j < b; ++j) {
            out[j - a] = static_cast<float>(seg.WeightAt(j));
          }
        }
        for (size_t t = 0; t < len; ++t) {
          ones += out[t] == 1.0f;
          seen += out[t] > 0.0f;
        }
      }
    }
    w.kind[r] = ones == n   ? RowChunk::kFull
                : seen == 0 ? RowChunk::kNone
                            : RowChunk::kPartial;
    any_row = any_row || seen > 0;
  }
  return any_row;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_ENGINE_DECODE_ROWS_INL_H_
