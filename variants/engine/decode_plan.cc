// Planning of the decode path: groups of rows, splits of keys, tasks
// (variants/engine/decode.h).
#include <algorithm>
#include <vector>

#include "harness/contract/mask.h"
#include "variants/engine/blocked.h"
#include "variants/engine/decode.h"

namespace attnbench {

bool UsesDecodePath(const Problem& problem) {
  const Shape& s = problem.shape;
  const bool regroups = !problem.mask.Rule().Parts().empty();
  if (regroups && s.Nq != s.Nk) return true;  // parts need Nq = Nk
  return !regroups && static_cast<size_t>(s.Nq) * 2 <= BlockedQueryRows();
}

namespace {

// Rows of group (b, kv head) and the keys any of them reaches.
DecodeGroup MakeGroup(const Problem& problem, int64_t b, int64_t kvh,
                      KeyRange& reach) {
  const Shape& s = problem.shape;
  const MaskRule& rule = problem.mask.Rule();
  const int64_t heads_per_kv = s.H / s.Hkv;
  DecodeGroup group{};
  group.kv_offset = (b * s.Hkv + kvh) * s.Nk * s.D;
  reach = {s.Nk, 0};
  for (int64_t j = 0; j < heads_per_kv; ++j) {
    const int64_t h = kvh * heads_per_kv + j;
    for (int64_t i = 0; i < s.Nq; ++i) {
      DecodeRow row{};
      row.h = h;
      row.p = s.Nk - s.Nq + i;
      row.q_offset = ((b * s.H + h) * s.Nq + i) * s.D;
      row.keys = rule.Bounds(h, row.p, s.Nk);
      row.slope = rule.BiasSlope(h, s.H);
      if (row.keys.size() > 0) {
        reach.begin = std::min(reach.begin, row.keys.begin);
        reach.end = std::max(reach.end, row.keys.end);
      }
      group.rows.push_back(row);
    }
  }
  return group;
}

// From the first to the last key of [lo, hi) that some row of the group
// sees (empty if none): a split between a rule's visible ranges (the gap
// of global_window, say) becomes no task at all.
KeyRange SeenKeys(const MaskRule& rule, const DecodeGroup& group, int64_t lo,
                  int64_t hi) {
  KeyRange seen{hi, lo};
  for (const DecodeRow& row : group.rows) {
    const KeyPiece span = RowSpan(rule, row, lo, hi);
    if (span.kind == TileKind::kEmpty) continue;
    seen.begin = std::min(seen.begin, span.begin);
    seen.end = std::max(seen.end, span.end);
  }
  return seen;
}

}  // namespace

KeyPiece RowSpan(const MaskRule& rule, const DecodeRow& row, int64_t lo,
                 int64_t hi) {
  thread_local std::vector<KeyPiece> pieces;
  const int64_t a = std::max(lo, row.keys.begin);
  const int64_t e = std::min(hi, row.keys.end);
  pieces.clear();
  if (a < e) rule.Pieces(row.h, row.p, row.p, a, e, pieces);
  if (pieces.empty()) return {0, 0, TileKind::kEmpty};
  return {pieces.front().begin, pieces.back().end,
          pieces.size() == 1 ? pieces[0].kind : TileKind::kPartial};
}

DecodePlan PlanDecode(const Problem& problem, size_t key_block) {
  const Shape& s = problem.shape;
  DecodePlan plan{};
  plan.rows = static_cast<size_t>(s.Nq * (s.H / s.Hkv));
  plan.dim = static_cast<size_t>(s.D);
  plan.bc = key_block != 0 ? key_block : kDecodeKeyBlock;
  plan.scale = static_cast<float>(problem.Scale());
  std::vector<KeyRange> reaches;
  int64_t longest = 0;
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t kvh = 0; kvh < s.Hkv; ++kvh) {
      KeyRange reach;
      plan.groups.push_back(MakeGroup(problem, b, kvh, reach));
      reaches.push_back(reach);
      longest = std::max(longest, reach.size());
    }
  }
  // S: the longest reach in at most kDecodeMaxSplits splits, whole chunks,
  // at least 4 chunks. It depends on the problem alone.
  const auto bc = static_cast<int64_t>(plan.bc);
  const int64_t per_split = (longest + kDecodeMaxSplits - 1) / kDecodeMaxSplits;
  const int64_t split =
      std::max<int64_t>(4 * bc, (per_split + bc - 1) / bc * bc);
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    const KeyRange& reach = reaches[g];
    DecodeGroup& group = plan.groups[g];
    group.first_task = plan.tasks.size();
    for (int64_t c = reach.begin / split * split; c < reach.end; c += split) {
      const KeyRange keys =
          SeenKeys(problem.mask.Rule(), group, std::max(c, reach.begin),
                   std::min(c + split, reach.end));
      if (keys.size() > 0) plan.tasks.push_back({g, keys.begin, keys.end});
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
