// The engine's decode path (variants/engine/decode.cc): few query rows
// against many keys, grouped-query heads read their key/value head once,
// keys split across tasks on a grid that does not depend on the threads.
// RunBlocked takes it when the problem's shape calls for it
// (UsesDecodePath); docs/flash.md "Decode" describes it.
#ifndef ATTNBENCH_VARIANTS_ENGINE_DECODE_H_
#define ATTNBENCH_VARIANTS_ENGINE_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/contract/mask_rule.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// One query row of a group: head, key position, where its Q and O rows
// start (floats), the keys it can reach, its score bias slope.
struct DecodeRow {
  int64_t h, p, q_offset;
  KeyRange keys;
  double slope;
};

// The rows of all query heads that share key/value head (batch b, kv head):
// row r = j * Nq + i is query i of the group's head j, held in
// DecodePlan::all_rows from first_row on. Its tasks are
// [first_task, end_task) of DecodePlan::tasks, in key order.
struct DecodeGroup {
  size_t first_row;
  int64_t kv_offset;  // first float of the group's K and V rows
  size_t first_task, end_task;
};

// Keys per chunk of the decode path, and the most splits one group's reach
// is cut into (fewer when the reach is short: at least 4 chunks a split).
inline constexpr size_t kDecodeKeyBlock = 128;
// Most keys of one block of K transposed (keys as lanes, for many rows).
inline constexpr size_t kDecodeKeyLanes = 64;
inline constexpr int64_t kDecodeMaxSplits = 32;

// Keys [begin, end) of group `group`: one split's part of the reach.
struct DecodeTask {
  size_t group;
  int64_t begin, end;
  int64_t lead_end;  // [begin, lead_end): its first run of seen keys
};

struct DecodePlan {
  size_t rows;  // R = Nq * H / Hkv rows per group
  // The rows the kernels run: R, or four where a group of one, two or
  // three rows runs as four on the dispatched target (DecodeKernelRowsOf;
  // the rest are zero query rows whose outputs nothing reads).
  size_t kernel_rows;
  size_t dim;  // D
  size_t bc;   // keys per chunk (Bc)
  float scale;
  bool exact_keys;  // RowKeysIn gives the visible keys (else an envelope)
  // Whether a chunk that is one run fetches a line of each 4 KiB page of
  // the next chunk's rows ahead (PrefetchPagesAhead): FetchPagesAhead().
  bool fetch_pages;
  // Whether the scores of bf16 rows take vdpbf16ps (kernels/
  // bf16_decode_scores.h; AVX3 code only): bf16 storage, Bf16DotEnabled(),
  // whole 32-element vectors of d, whole 4-row blocks and fewer than 32
  // rows (from 32, keys as lanes).
  bool bf16_dot;
  std::vector<DecodeGroup> groups;
  // Every group's rows, group after group.
  std::vector<DecodeRow> all_rows;
  // The keys each row may see over its group's reach (RowKeysIn): row i of
  // all_rows sees list key_list_of[i], key_segments[key_list_start[l],
  // key_list_start[l + 1]), one list per run of a group's rows that see the
  // same, and under MaskRule::SameWeightsForEveryHead row r of a group
  // shares row r - Nq's (the same position, another head). A task takes its
  // slice (SliceKeys) rather than asking the rule again. Flat arrays: a
  // short step's plan is a few microseconds, allocations a good part of it.
  std::vector<size_t> key_list_of;
  std::vector<size_t> key_list_start;
  std::vector<KeySegment> key_segments;
  std::vector<DecodeTask> tasks;

  const DecodeRow& Row(const DecodeGroup& group, size_t r) const {
    return all_rows[group.first_row + r];
  }
  // Which list row r of the group sees (equal for rows that share one).
  size_t KeyListOf(const DecodeGroup& group, size_t r) const {
    return key_list_of[group.first_row + r];
  }
  std::span<const KeySegment> KeysOf(const DecodeGroup& group, size_t r) const {
    const size_t list = KeyListOf(group, r);
    return {key_segments.data() + key_list_start[list],
            key_segments.data() + key_list_start[list + 1]};
  }
  // Floats of one task's slot: m and l (R each) and O (R x D).
  size_t SlotFloats() const { return rows * (dim + 2); }
  // Floats of one thread's scratch: a block of K transposed (D x
  // kDecodeKeyLanes) and its scores (R x kDecodeKeyLanes), Q rows and O
  // (R x D each), m and l (R each), the chunk's scores and weights (R x Bc
  // each), its K rows gathered (Bc x D), and the scores and weights of the
  // chunk before, whose P V is still to run (R x Bc each); R here
  // kernel_rows.
  size_t TaskScratchFloats() const {
    const size_t r = kernel_rows;
    return (dim + r) * kDecodeKeyLanes + r * (2 * dim + 2 + 4 * bc) + bc * dim;
  }
};

// Whether RunBlocked runs `problem` on the decode path: a rule without
// Parts and Nq at most three quarters of a rows-as-lanes block on the
// dispatched target (3 Br / 4: 18 on AVX2, 9 on SSE4, 1 on the scalar
// fallback), where that block would be at least a quarter padding rows
// and the decode path, whose rows are all real, takes less time; on AVX3
// seven eighths (28; DecodeBlockEighths); half a block (16 on AVX3) where
// the block would form bf16 scores with vdpbf16ps
// (BlockedFormsBf16Scores), which is faster than the decode path's FMAs
// at fewer padding rows (docs/flash.md "Decode" has the figures); and a
// rule with Parts whenever Nq != Nk (its parts regroup queries and keys
// alike, so the decode path reads the rule's RowKeys instead: dilated's W
// keys, sparse_strided's band and strided keys). On AVX3 it also takes
// Nq from Br + 1 to Br plus half a block (33 to 48), where the tile path
// would run a second block at least half padding; a quarter of it (33 to
// 40) where that block would form bf16 scores with vdpbf16ps.
bool UsesDecodePath(const Problem& problem);
// The most new tokens the dispatched target's decode path takes, in
// eighths of a tile block (kDecodeBlockEighths,
// kernels/decode_params-inl.h); bf16 scores by vdpbf16ps take 4.
size_t DecodeBlockEighths();
// Beyond one block, the eighths of a second block it takes as well (0:
// none; kDecodeSecondBlockEighths); bf16 scores by vdpbf16ps take half
// as many.
size_t DecodeSecondBlockEighths();
// The rows the dispatched target's decode kernels run for a group of
// `rows` of K and V stored as fp32 (fp32_rows) or not (DecodeKernelRows,
// kernels/decode_params-inl.h).
size_t DecodeKernelRowsOf(size_t rows, bool fp32_rows);

// The keys of [lo, hi) that `row` may see, in increasing order, appended to
// `out`: the rule's RowKeys, exact, where it has them; else the row's
// Bounds clipped to [lo, hi) as one flat segment whose weights must be
// evaluated (nothing if they miss [lo, hi)).
void RowKeysIn(const MaskRule& rule, const DecodeRow& row, int64_t lo,
               int64_t hi, std::vector<KeySegment>& out);

// The segments of `keys` (disjoint, in increasing order) within [lo, hi),
// clipped to it, appended to `out`: what RowKeysIn gives for [lo, hi) where
// `keys` is its answer for a range holding [lo, hi) (MaskRule::RowKeys
// lists a row's keys in a range clipped to it; a segment's weights depend
// on the key alone).
void SliceKeys(std::span<const KeySegment> keys, int64_t lo, int64_t hi,
               std::vector<KeySegment>& out);

// Merges `keys` (disjoint, in increasing order) into `seen` (disjoint
// ranges in order), joining ranges that touch.
void MergeKeys(std::span<const KeySegment> keys, std::vector<KeyRange>& seen);

// Whether decode fetches the pages of the chunk after the one in use ahead
// of its rows: yes but on Intel CPUs. On an AMD EPYC Zen 5 it made a step
// 0.69x as long (1 thread) and 0.88x (2 threads), where the hardware
// prefetcher stops at each page boundary; on an Intel Xeon (family 6
// model 167) the step read 0.818-0.823 of a read loop's rate with it and
// 0.862-0.864 without (1 thread; 0-5% on 2): there the rows fetched ahead
// in software and the pages compete for the same fill buffers
// (docs/flash.md "Decode").
bool FetchPagesAhead();

// The plan; key_block 0 takes kDecodeKeyBlock.
DecodePlan PlanDecode(const Problem& problem, size_t key_block);

// Runs the plan's problem on the dispatched target.
void RunDecode(const Problem& problem, const Tensors& tensors,
               size_t key_block);

// Scratch bytes of the decode path: per thread a task's rows and chunk,
// and every task's slot.
size_t DecodeWorkspaceBytes(const Problem& problem);

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_DECODE_H_
