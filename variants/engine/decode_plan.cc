// Planning of the decode path: groups of rows, splits of keys, tasks
// (variants/engine/decode.h).
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "harness/contract/mask.h"
#include "kernels/bf16_decode_scores.h"
#include "kernels/bf16_scores.h"
#include "variants/engine/blocked.h"
#include "variants/engine/decode.h"

namespace attnbench {

bool UsesDecodePath(const Problem& problem) {
  const Shape& s = problem.shape;
  const bool regroups = !problem.mask.Rule().Parts().empty();
  if (regroups && s.Nq != s.Nk) return true;  // parts need Nq = Nk
  if (regroups) return false;
  // The most new tokens the decode path takes, in eighths of the tile
  // path's block of Br rows, and of a second block (decode.h says why).
  const bool bf16_dot = BlockedFormsBf16Scores(problem);
  const size_t br = BlockedQueryRows();
  const size_t nq = static_cast<size_t>(s.Nq);
  if (nq <= br) return nq * 8 <= br * (bf16_dot ? 4 : DecodeBlockEighths());
  const size_t second = DecodeSecondBlockEighths() / (bf16_dot ? 2 : 1);
  return (nq - br) * 8 <= br * second;
}

namespace {

// Appends the rows of group (b, kv head) to plan.all_rows and returns the
// group; `reach` becomes the keys any of its rows reaches.
DecodeGroup AddGroup(const Problem& problem, int64_t b, int64_t kvh,
                     DecodePlan& plan, KeyRange& reach) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  const int64_t heads_per_kv = s.H / s.Hkv;
  const bool every_head = rule.SameWeightsForEveryHead();
  DecodeGroup group{};
  group.first_row = plan.all_rows.size();
  group.kv_offset = (b * s.Hkv + kvh) * s.Nk * s.D;
  reach = {s.Nk, 0};
  for (int64_t j = 0; j < heads_per_kv; ++j) {
    const int64_t h = kvh * heads_per_kv + j;
    const double slope = rule.BiasSlope(h, s.H);
    for (int64_t i = 0; i < s.Nq; ++i) {
      DecodeRow row{};
      row.h = h;
      row.p = s.Nk - s.Nq + i;
      row.q_offset = ((b * s.H + h) * s.Nq + i) * s.D;
      // A position's bounds, asked once where every head sees the same (a
      // rule's Bounds may walk all its segments: sparse_fixed's 257 at
      // Nk=65536, 32 times, were most of a 0.3 ms plan).
      row.keys = every_head && (j > 0 || group.first_row > 0)
                     ? plan.all_rows[static_cast<size_t>(i)].keys
                     : rule.Bounds(h, row.p, s.Nk);
      row.slope = slope;
      if (row.keys.size() > 0) {
        reach.begin = std::min(reach.begin, row.keys.begin);
        reach.end = std::max(reach.end, row.keys.end);
      }
      plan.all_rows.push_back(row);
    }
  }
  return group;
}

// Each of the group's rows' keys in [lo, hi) into the plan's key lists;
// `seen` becomes the keys some row may see, in order. Row r = j * nq + i
// is query i of the group's head j: under a rule with the same weights
// for every head, row r sees what row r - nq sees.
void ListKeysOfRows(const MaskRule& rule, const DecodeGroup& group, size_t nq,
                    int64_t lo, int64_t hi, DecodePlan& plan,
                    std::vector<KeyRange>& seen) {
  const bool every_head = rule.SameWeightsForEveryHead();
  std::vector<KeySegment>& segments = plan.key_segments;
  std::vector<size_t>& starts = plan.key_list_start;
  const size_t lists_before = starts.size() - 1;  // other groups' lists
  seen.clear();
  for (size_t r = 0; r < plan.rows; ++r) {
    if (every_head && r >= nq) {
      plan.key_list_of.push_back(plan.KeyListOf(group, r - nq));
      continue;
    }
    // The row's list, appended; dropped again if it repeats the group's
    // last one (the heads of a group often see the same keys: held and
    // merged once).
    const size_t begin = segments.size();
    RowKeysIn(rule, plan.Row(group, r), lo, hi, segments);
    const auto at = [&](size_t i) {
      return segments.begin() + static_cast<ptrdiff_t>(i);
    };
    // The group's last list is [starts[lists - 1], begin).
    const size_t lists = starts.size() - 1;
    if (lists > lists_before && std::equal(at(begin), segments.end(),
                                           at(starts[lists - 1]), at(begin))) {
      segments.resize(begin);
    } else {
      MergeKeys({segments.data() + begin, segments.data() + segments.size()},
                seen);
      starts.push_back(segments.size());
    }
    plan.key_list_of.push_back(starts.size() - 2);
  }
}

}  // namespace

void MergeKeys(std::span<const KeySegment> keys, std::vector<KeyRange>& seen) {
  thread_local std::vector<KeyRange> merged;
  merged.clear();
  const auto add = [](KeyRange k) {
    if (!merged.empty() && k.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, k.end);
    } else {
      merged.push_back(k);
    }
  };
  size_t i = 0;
  for (const KeySegment& k : keys) {
    for (; i < seen.size() && seen[i].begin <= k.begin; ++i) add(seen[i]);
    add({k.begin, k.end});
  }
  for (; i < seen.size(); ++i) add(seen[i]);
  seen.swap(merged);
}

void SliceKeys(std::span<const KeySegment> keys, int64_t lo, int64_t hi,
               std::vector<KeySegment>& out) {
  auto k = std::partition_point(
      keys.begin(), keys.end(),
      [lo](const KeySegment& segment) { return segment.end <= lo; });
  for (; k != keys.end() && k->begin < hi; ++k) {
    KeySegment clipped = *k;
    clipped.begin = std::max(clipped.begin, lo);
    clipped.end = std::min(clipped.end, hi);
    out.push_back(clipped);
  }
}

void RowKeysIn(const MaskRule& rule, const DecodeRow& row, int64_t lo,
               int64_t hi, std::vector<KeySegment>& out) {
  const int64_t a = std::max(lo, row.keys.begin);
  const int64_t e = std::min(hi, row.keys.end);
  if (a >= e || rule.RowKeys(row.h, row.p, a, e, out)) return;
  out.push_back({a, e});
}

bool FetchPagesAhead() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool fetch = [] {
    __builtin_cpu_init();
    return !__builtin_cpu_is("intel");
  }();
  return fetch;
#else
  return true;
#endif
}

DecodePlan PlanDecode(const Problem& problem, size_t key_block) {
  const Shape& s = problem.shape;
  DecodePlan plan{};
  plan.rows = static_cast<size_t>(s.Nq * (s.H / s.Hkv));
  plan.kernel_rows =
      DecodeKernelRowsOf(plan.rows, problem.storage == DType::kF32);
  plan.dim = static_cast<size_t>(s.D);
  plan.bc = key_block != 0 ? key_block : kDecodeKeyBlock;
  plan.scale = static_cast<float>(problem.Scale());
  plan.exact_keys = problem.mask.Rule().HasRowKeys();
  plan.fetch_pages = FetchPagesAhead();
  plan.bf16_dot = problem.storage == DType::kBF16 && Bf16DotEnabled() &&
                  plan.dim % kBf16DecodeDimStep == 0 &&
                  plan.rows % kBf16DecodeRows == 0 &&
                  plan.rows < kBf16DecodeMaxRows;
  // Per group, the keys some row may see (all in `seen`, group g's from
  // seen_start[g]); S, the split: the most keys seen by one group in at
  // most kDecodeMaxSplits splits, whole chunks, at least 4 chunks. It
  // depends on the problem alone. Every array is reserved once.
  const auto groups = static_cast<size_t>(s.B * s.Hkv);
  plan.groups.reserve(groups);
  plan.all_rows.reserve(groups * plan.rows);
  plan.key_list_of.reserve(groups * plan.rows);
  plan.key_list_start.reserve(groups * plan.rows + 1);
  plan.key_list_start.push_back(0);
  plan.key_segments.reserve(groups * plan.rows);
  std::vector<KeyRange> seen, seen_in_group;
  seen.reserve(groups);
  std::vector<size_t> seen_start;
  seen_start.reserve(groups + 1);
  int64_t longest = 0;
  // Under a rule with the same weights for every head, every group's rows
  // sit at the same positions and see what group 0's see: their lists,
  // keys and splits are group 0's (sparse_strided:128 at Nk=65536 lists
  // 513 segments a group; planned per group, that took 108 us of a 0.8 ms
  // step).
  const bool every_head = problem.mask.Rule().SameWeightsForEveryHead();
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t kvh = 0; kvh < s.Hkv; ++kvh) {
      KeyRange reach;
      plan.groups.push_back(AddGroup(problem, b, kvh, plan, reach));
      seen_start.push_back(seen.size());
      if (every_head && plan.groups.size() > 1) {
        for (size_t r = 0; r < plan.rows; ++r) {
          plan.key_list_of.push_back(plan.KeyListOf(plan.groups[0], r));
        }
        continue;
      }
      ListKeysOfRows(problem.mask.Rule(), plan.groups.back(),
                     static_cast<size_t>(s.Nq), reach.begin, reach.end, plan,
                     seen_in_group);
      seen.insert(seen.end(), seen_in_group.begin(), seen_in_group.end());
      int64_t count = 0;
      for (const KeyRange& r : seen_in_group) count += r.size();
      longest = std::max(longest, count);
    }
  }
  seen_start.push_back(seen.size());
  const auto bc = static_cast<int64_t>(plan.bc);
  const int64_t per_split = (longest + kDecodeMaxSplits - 1) / kDecodeMaxSplits;
  const int64_t split =
      std::max<int64_t>(4 * bc, (per_split + bc - 1) / bc * bc);
  // A group's tasks: its seen keys in order, S at a time; a task's range
  // runs from its first key to its last (a sparse rule's gaps included).
  plan.tasks.reserve(plan.groups.size() *
                     static_cast<size_t>((longest + split - 1) / split));
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    DecodeGroup& group = plan.groups[g];
    group.first_task = plan.tasks.size();
    if (every_head && g > 0) {  // group 0's splits
      for (size_t i = plan.groups[0].first_task; i < plan.groups[0].end_task;
           ++i) {
        DecodeTask task = plan.tasks[i];
        task.group = g;
        plan.tasks.push_back(task);
      }
      group.end_task = plan.tasks.size();
      continue;
    }
    int64_t in_task = 0, begin = 0, lead_end = 0;
    const std::span<const KeyRange> group_seen(seen.data() + seen_start[g],
                                               seen.data() + seen_start[g + 1]);
    for (const KeyRange& r : group_seen) {
      for (int64_t j = r.begin; j < r.end;) {
        const int64_t take = std::min(split - in_task, r.end - j);
        if (in_task == 0) begin = j, lead_end = j + take;
        j += take;
        in_task += take;
        if (in_task == split) {
          plan.tasks.push_back({g, begin, j, lead_end});
          in_task = 0;
        }
      }
    }
    if (in_task > 0) {
      plan.tasks.push_back({g, begin, group_seen.back().end, lead_end});
    }
    group.end_task = plan.tasks.size();
  }
  return plan;
}

size_t DecodeWorkspaceBytes(const Problem& problem) {
  const DecodePlan plan = PlanDecode(problem, 0);
  return (static_cast<size_t>(problem.threads) * plan.TaskScratchFloats() +
          plan.tasks.size() * plan.SlotFloats()) *
         sizeof(float);
}

}  // namespace attnbench
