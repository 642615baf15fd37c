// One chunk of a decode task (variants/engine/decode.cc) in three steps:
// S = Q_g K_c^T (with the bias and the weights), each row's online
// softmax, and O_g += P V_c, reading K and V rows where they are; which
// rows see the chunk's keys is decode_rows-inl.h's, which rows it reads
// and fetches ahead decode_fetch-inl.h's. Compiled once per
// Highway target, inside the engine's decode translation unit.

// Per-target include guard ("toggle"): this file is compiled once per target.
#if defined(ATTNBENCH_VARIANTS_ENGINE_DECODE_CHUNK_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef ATTNBENCH_VARIANTS_ENGINE_DECODE_CHUNK_INL_H_
#undef ATTNBENCH_VARIANTS_ENGINE_DECODE_CHUNK_INL_H_
#else
#define ATTNBENCH_VARIANTS_ENGINE_DECODE_CHUNK_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/workspace.h"
#include "hwy/highway.h"
#include "kernels/bf16_decode_scores.h"
#include "kernels/decode_tile-inl.h"
#include "kernels/flash_tile-inl.h"
#include "kernels/row_ops-inl.h"
#include "variants/engine/decode.h"
#include "variants/engine/decode_fetch-inl.h"
#include "variants/engine/decode_rows-inl.h"

HWY_BEFORE_NAMESPACE();
namespace attnbench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

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

// w.s[r * Bc + t] = q_r . k_t for the chunk's n keys, adjacent rows at k,
// keys as lanes, blocks of 2 vectors of keys; fetches w.ahead_k.
template <class T>
void ScoresKeysAsLanes(const DecodePlan& plan, const float* k, size_t n,
                       TaskScratch<T>& w) {
  const hn::ScalableTag<float> d;
  constexpr size_t kVecs = 2;
  const size_t bk = kVecs * hn::Lanes(d), dim = plan.dim;
  for (size_t t0 = 0; t0 < n; t0 += bk) {
    const size_t ahead_end = t0 + bk < n ? t0 + bk : w.ahead_k.size();
    for (size_t t = t0; t < std::min(ahead_end, w.ahead_k.size()); ++t) {
      PrefetchRow(w.ahead_k[t], dim);
    }
    const size_t keys = std::min(bk, n - t0);
    PackRowsAsLanes(k + t0 * dim, dim, dim, keys, bk, 1.0f, w.kt);
    ScoresTile<kVecs>(d, w.kt, dim, w.q, dim, plan.rows, w.st);
    for (size_t r = 0; r < plan.rows; ++r) {
      std::copy(w.st + r * bk, w.st + r * bk + keys, w.s + r * plan.bc + t0);
    }
  }
}

// Row r's scores over the chunk's n keys in w.s become probabilities:
// bias, weights (a partial row), online softmax (m, l, O rescaled).
template <class T>
void SoftmaxRow(const DecodePlan& plan, const DecodeRow& row, size_t r,
                size_t n, TaskScratch<T>& w) {
  const hn::ScalableTag<float> d;
  float* s = w.s + r * plan.bc;
  if (w.kind[r] == RowChunk::kNone) {
    std::fill(s, s + n, 0.0f);
    return;
  }
  if (row.slope != 0.0) {  // bias -slope (p - j), per run
    for (const ChunkRun& run : w.runs) {
      DecodeAddBias(d, s + run.at, static_cast<size_t>(run.end - run.begin),
                    static_cast<float>(-row.slope *
                                       static_cast<double>(row.p - run.begin)),
                    static_cast<float>(row.slope));
    }
  }
  const bool partial = w.kind[r] == RowChunk::kPartial;
  const float* wr = w.w + r * plan.bc;
  if (partial) {
    for (size_t t = 0; t < n; ++t) {
      if (!(wr[t] > 0.0f)) s[t] = kMaskedScore;
    }
  }
  const float m_old = w.m[r];
  const float m_new = std::max(m_old, RowMax(d, s, n));
  ExpShifted(d, s, n, m_new);
  if (partial) {
    for (size_t t = 0; t < n; ++t) s[t] *= wr[t];
  }
  const float alpha = std::exp(m_old - m_new);
  w.l[r] = alpha * w.l[r] + RowSum(d, s, n);
  w.m[r] = m_new;
  if (m_new != m_old) ScaleRow(d, alpha, w.o + r * plan.dim, plan.dim);
}

// Of a chunk's n_ahead rows fetched ahead, those fetched while keys [b, e)
// of its n run: the ones at [b, e), and where e = n all that are left.
HWY_INLINE size_t AheadCount(size_t n_ahead, size_t b, size_t e, size_t n) {
  const size_t left = n_ahead > b ? n_ahead - b : 0;
  return e == n ? left : std::min(left, e - b);
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// From kBf16DecodeMaxRows rows the scores take keys as lanes, before
// ScoreKeys (DecodePlan::bf16_dot is false there).
static_assert(kKeysAsLanesRows == kBf16DecodeMaxRows);

// ScoreKeys for bf16 rows through vdpbf16ps (plan.bf16_dot): the group's
// unscaled bf16 query rows four at a time against keys [b, e), four keys
// a step, the scale applied to the sums; a last 1-3 keys through the fp32
// kernels on the scaled, widened rows. Fetches the first `ahead` rows of
// w.ahead_k from b on.
template <class T>
void Bf16ScoreKeys(const DecodePlan& plan, size_t b, size_t e, size_t ahead,
                   TaskScratch<T>& w) {
  static_assert(std::is_same_v<T, hwy::bfloat16_t>);
  const T* const* k = w.k_rows.data() + b;
  const T* const* later = w.ahead_k.data() + std::min(b, w.ahead_k.size());
  const size_t done = (e - b) / 4 * 4;  // what each call returns
  for (size_t r = 0; r < plan.rows; r += kBf16DecodeRows) {
    Bf16DecodeScores4x4(w.q_rows.data() + r, plan.dim, k, e - b, plan.scale,
                        w.s + r * plan.bc + b, plan.bc, later,
                        r == 0 ? ahead : 0);
  }
  const size_t left = ahead > done ? ahead - done : 0;
  if (done < e - b) {
    const hn::ScalableTag<float> d;
    DecodeScoresOf(d, w.q, plan.dim, plan.rows, k + done, e - b - done,
                   w.s + b + done, plan.bc, left != 0 ? later + done : later,
                   left);
  } else {
    for (size_t t = done; t < ahead; ++t) PrefetchRow(later[t], plan.dim);
  }
}
#endif

// s[r * Bc + t] = q_r . k_t for keys [b, e) of the chunk in w (n keys),
// reading K rows where they are; fetches those of its rows ahead.
template <class T>
void ScoreKeys(const DecodePlan& plan, size_t n, size_t b, size_t e,
               TaskScratch<T>& w) {
  const hn::ScalableTag<float> d;
  const size_t dim = plan.dim;
  const size_t ahead = AheadCount(w.ahead_k.size(), b, e, n);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if constexpr (std::is_same_v<T, Bf16>) {
    if (plan.bf16_dot) {
      Bf16ScoreKeys(plan, b, e, ahead, w);
      return;
    }
  }
#endif
  if (w.adjacent) {  // one run, fetched ahead in place
    const AdjacentRows<T> rows{w.k_rows[0], dim};
    const AdjacentRows<T> later{rows[std::min(n, PrefetchKeys<T>(dim))], dim};
    DecodeScoresOf(d, w.q, dim, plan.kernel_rows, SkipRows(rows, b), e - b,
                   w.s + b, plan.bc, SkipRows(later, b), ahead);
    return;
  }
  DecodeScoresOf(d, w.q, dim, plan.kernel_rows, w.k_rows.data() + b, e - b,
                 w.s + b, plan.bc,
                 w.ahead_k.data() + std::min(b, w.ahead_k.size()), ahead);
}

// O += P V for keys [b, e) of the pending chunk p, reading V rows where
// they are; fetches those of its rows ahead. kAllKeys: DecodeAccumulateOf's.
template <class T, bool kAllKeys = false>
void AccumulateKeys(const DecodePlan& plan, const PendingChunk<T>& p, size_t b,
                    size_t e, float* o) {
  const hn::ScalableTag<float> d;
  const size_t dim = plan.dim;
  const size_t ahead = AheadCount(p.ahead_v.size(), b, e, p.n);
  if (p.adjacent) {  // one run, fetched ahead in place
    const AdjacentRows<T> rows{p.v_rows[0], dim};
    const AdjacentRows<T> later{rows[std::min(p.n, PrefetchKeys<T>(dim))], dim};
    DecodeAccumulateOf<kAllKeys>(d, p.s + b, plan.bc, plan.kernel_rows,
                                 SkipRows(rows, b), dim, e - b, o,
                                 SkipRows(later, b), ahead);
    return;
  }
  DecodeAccumulateOf<kAllKeys>(
      d, p.s + b, plan.bc, plan.kernel_rows, p.v_rows.data() + b, dim, e - b, o,
      p.ahead_v.data() + std::min(b, p.ahead_v.size()), ahead);
}

// Whether the pending chunk's O += P V may run through the kernels. A
// masked key's NaN or Inf in V must not reach the output: where some row
// does not see the whole chunk and V is not all finite, masked keys
// (weight 0) must leave a row untouched (AccumulatePending).
template <class T>
bool KernelsMayAccumulate(const DecodePlan& plan, const PendingChunk<T>& p) {
  const hn::ScalableTag<float> d;
  if (std::all_of(p.kind.begin(), p.kind.end(),
                  [](RowChunk kind) { return kind == RowChunk::kFull; })) {
    return true;
  }
  for (size_t t = 0; t < p.n; ++t) {
    if (!AllFiniteWide(d, p.v_rows[t], plan.dim)) return false;
  }
  return true;
}

// Whether the group has kDecodeValueAllKeysRows rows or more: bound by its
// FMAs, its P V takes all keys through one block of d at a time, after
// the scores (ProcessChunk).
inline bool ManyRows(const DecodePlan& plan) {
  return kDecodeValueAllKeysRows != 0 && plan.rows >= kDecodeValueAllKeysRows;
}

// O += P V over all of the pending chunk, alone; then none is pending.
template <class T>
void AccumulatePending(const DecodePlan& plan, TaskScratch<T>& w) {
  const hn::ScalableTag<float> d;
  PendingChunk<T>& p = w.pending;
  const size_t dim = plan.dim, bc = plan.bc;
  if (p.n == 0) return;
  if (KernelsMayAccumulate(plan, p)) {
    if (ManyRows(plan)) {
      AccumulateKeys<T, true>(plan, p, 0, p.n, w.o);
    } else {
      AccumulateKeys(plan, p, 0, p.n, w.o);
    }
  } else {
    for (const T* row : p.ahead_v) PrefetchRow(row, dim);
    for (size_t r = 0; r < plan.rows; ++r) {
      if (p.kind[r] == RowChunk::kNone) continue;
      const bool partial = p.kind[r] == RowChunk::kPartial;
      for (size_t t = 0; t < p.n; ++t) {
        if (partial && !(p.w[r * bc + t] > 0.0f)) continue;
        MulAddWideRow(d, p.s[r * bc + t], p.v_rows[t], w.o + r * dim, dim);
      }
    }
  }
  p.n = 0;
}

// Keys of the scores and of O += P V taken in turn where a chunk's scores
// run interleaved with the chunk before's P V (ProcessChunk); 0: the P V
// first, then the scores, as before. Intel Xeon family 6 model 167, causal
// Nq=1 H=32 Hkv=8 D=128 Nk=65536, the engine's GB/s over a read loop's in
// the same process, K and V beyond the caches, medians of 12 interleaved
// pairs: AVX3 1 thread 0.814 against 0.795 (by keys 4: 0.775, 16: 0.799),
// 2 threads 0.852-0.857 against 0.795-0.813. On AVX2 it was off while the
// kernels' FMAs took most of a key's time (1 thread 0.685 against 0.722);
// with the scores four keys a step and their loads in registers (6a333ee),
// 2 threads, `attnbench run` time over off, 6-8 interleaved rounds:
// Nk=16384 4 keys 0.929-0.983, 8 keys 0.963-1.015; Nk=65536 4 keys 0.803;
// Nk=131072 1.002 and 0.971; 1 thread Nk=65536 0.972 and 1.024. SSE4 stays
// off (4 keys: 1.109 the time at Nk=16384).
#if HWY_TARGET <= HWY_AVX3
constexpr size_t kInterleaveKeys = 8;
#elif HWY_TARGET <= HWY_AVX2
constexpr size_t kInterleaveKeys = 4;
#else
constexpr size_t kInterleaveKeys = 0;
#endif
// Groups whose kernels run fewer rows than this (DecodePlan::kernel_rows)
// run the P V, then the scores, without the interleave. On AVX3 that is a
// group of one row (one query head a key/value head: H = Hkv at Nq = 1)
// that runs as one (DecodeKernelRows: f16 and bf16 rows, or the hint
// T0), whose steps of 8 keys are short (measured while one fp32 row still
// ran as one under T1): AMD Zen 4, 2 threads, causal Nq=1 H=Hkv=8 D=128
// Nk=65536, GB/s over a plain read of the same rows in the same seconds
// (pct_pattern_bandwidth; the host's memory alternates between a fast and a
// slow phase), 6 interleaved rounds, old binary against new: fp32 0.58 -> 0.66
// (fast), 0.81 -> 0.87 (slow), 0.87-0.92x the time within a phase; f16 0.70 ->
// 0.74, 0.85 -> 0.94; bf16 0.87 -> 0.94 (slow), 0.76 -> 0.75 (fast, 6
// rounds of a knob build). Two or three rows run as four
// (DecodeKernelRows) and interleave as four do; with the one-row kernels,
// two rows tied without the interleave (0.62 / 0.81 against 0.59 / 0.83,
// 6 rounds) and three took 1.03-1.06x the time. AVX2's one-row groups
// keep it: without, they tied or lost when the memory was fast
// (--target AVX2: 0.77 -> 0.70 fast, 0.82 -> 0.86 slow).
#if HWY_TARGET <= HWY_AVX3
constexpr size_t kInterleaveMinRows = 2;
#else
constexpr size_t kInterleaveMinRows = 1;
#endif

// The chunk of the task's keys in w.runs (n keys; the next chunk starts
// at key next_key of run next_run of w.seen) for every row: scores, then
// each row's softmax; its O += P V is left pending, to run with the next
// chunk's scores, kInterleaveKeys keys of each in turn (AVX3, AVX2; groups
// of kInterleaveMinRows rows to fewer than kDecodeValueAllKeysRows), so
// that K and V stream side by side: two streams read faster than one that
// alternates between K and V a chunk at a time (1 thread, a read loop over
// both at once: 1.05x a single stream's rate, K and V by turns 64 KiB at
// a time 0.97x; a decode-like loop of the kernels alone 1.01x against
// 0.89x; same CPU as kInterleaveKeys). A row's softmax runs after the
// chunk before's P V, which its rescaling of O must follow; the order of
// every sum is the one of P V after the scores, so O is bitwise the same.
// The task's first chunk fetches its first V rows after the scores (later
// chunks' were fetched ahead by the chunk before). The task ends with
// AccumulatePending.
template <class T>
void ProcessChunk(const Problem& problem, const DecodePlan& plan,
                  const DecodeGroup& group, const T* k, const T* v, size_t n,
                  size_t next_run, int64_t next_key, bool first,
                  TaskScratch<T>& w) {
  if (!ClassifyRows(problem.mask.Rule(), plan, group, n, w)) return;
  ChunkRows(plan, k, v, next_run, next_key, w);
  // A chunk that is one run: the pages of the next chunk's K rows, a line
  // of each 4 KiB into the outer caches; with the chunk before's P V, the
  // pages of the V rows after its (not on Intel CPUs: FetchPagesAhead).
  const size_t row_bytes = plan.dim * sizeof(T);
  if (plan.fetch_pages && w.adjacent) {
    PrefetchPagesAhead(w.k_rows[0], n * row_bytes);
  }
  PendingChunk<T>& p = w.pending;
  if (plan.fetch_pages && p.n != 0 && p.adjacent) {
    PrefetchPagesAhead(p.v_rows[0], p.n * row_bytes);
  }
  if (plan.rows >= kKeysAsLanesRows) {
    AccumulatePending(plan, w);
    const float* kc = w.kg;  // adjacent fp32 rows; gathered where not
    if constexpr (std::is_same_v<T, float>) {
      if (w.runs.size() == 1) kc = w.k_rows[0];
    }
    if (kc == w.kg) {
      for (size_t t = 0; t < n; ++t) {
        WidenRow(w.k_rows[t], plan.dim, w.kg + t * plan.dim);
      }
    }
    ScoresKeysAsLanes(plan, kc, n, w);
  } else if (kInterleaveKeys == 0 || plan.kernel_rows < kInterleaveMinRows ||
             p.n == 0 || ManyRows(plan) || !KernelsMayAccumulate(plan, p)) {
    AccumulatePending(plan, w);
    ScoreKeys(plan, n, 0, n, w);
  } else {
    for (size_t b = 0; b < std::max(n, p.n); b += kInterleaveKeys) {
      if (b < n) ScoreKeys(plan, n, b, std::min(b + kInterleaveKeys, n), w);
      if (b < p.n) {
        AccumulateKeys(plan, p, b, std::min(b + kInterleaveKeys, p.n), w.o);
      }
    }
    p.n = 0;
  }
  if (first) {
    for (size_t t = 0; t < std::min(n, PrefetchKeys<T>(plan.dim)); ++t) {
      PrefetchRow(w.v_rows[t], plan.dim);
    }
  }
  for (size_t r = 0; r < plan.rows; ++r) {
    SoftmaxRow(plan, plan.Row(group, r), r, n, w);
  }
  std::swap(w.s, p.s);
  std::swap(w.w, p.w);
  w.kind.swap(p.kind);
  w.v_rows.swap(p.v_rows);
  w.ahead_v.swap(p.ahead_v);
  p.adjacent = w.adjacent;
  p.n = n;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace attnbench
HWY_AFTER_NAMESPACE();

#endif  // ATTNBENCH_VARIANTS_ENGINE_DECODE_CHUNK_INL_H_
