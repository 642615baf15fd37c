#include "harness/mask_rule.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "harness/problem.h"

namespace attnbench {
namespace {

std::vector<MaskKindInfo>& Kinds() {
  static std::vector<MaskKindInfo> kinds;
  return kinds;
}

}  // namespace

int64_t MaskRule::CountVisible(int64_t h, int64_t p, int64_t nk) const {
  const KeyRange r = Bounds(h, p, nk);
  int64_t count = 0;
  for (int64_t j = r.begin; j < r.end; ++j) count += Weight(h, p, j) > 0.0;
  return count;
}

void IntervalPieces(KeyRange first, KeyRange last, int64_t c0, int64_t c1,
                    std::vector<KeyPiece>& out) {
  const auto add = [&](int64_t a, int64_t b, TileKind kind) {
    a = std::max(a, c0);
    b = std::min(b, c1);
    if (a < b) out.push_back({a, b, kind});
  };
  // Seen by some row: [first.begin, last.end); by every row: [last.begin,
  // first.end) when the first row's interval is not empty.
  const int64_t some_end = std::max(last.end, last.begin);
  if (first.size() > 0 && last.begin < first.end) {
    add(first.begin, last.begin, TileKind::kPartial);
    add(last.begin, first.end, TileKind::kFull);
    add(first.end, some_end, TileKind::kPartial);
  } else {
    add(std::min(first.begin, last.begin), some_end, TileKind::kPartial);
  }
}

void CombinePieces(std::vector<KeyPiece>& pieces) {
  if (pieces.empty()) return;
  std::vector<int64_t> cuts;
  for (const KeyPiece& p : pieces) {
    cuts.push_back(p.begin);
    cuts.push_back(p.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<KeyPiece> merged;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    TileKind kind = TileKind::kEmpty;
    for (const KeyPiece& p : pieces) {
      if (p.begin <= cuts[i] && cuts[i + 1] <= p.end &&
          (kind == TileKind::kEmpty || p.kind == TileKind::kFull)) {
        kind = p.kind;
      }
    }
    if (kind == TileKind::kEmpty) continue;
    if (!merged.empty() && merged.back().end == cuts[i] &&
        merged.back().kind == kind) {
      merged.back().end = cuts[i + 1];
    } else {
      merged.push_back({cuts[i], cuts[i + 1], kind});
    }
  }
  pieces.swap(merged);
}

void MaskRule::Pieces(int64_t h, int64_t p0, int64_t p1, int64_t c0, int64_t c1,
                      std::vector<KeyPiece>& out) const {
  thread_local std::vector<KeyRange> first, last;
  thread_local std::vector<KeyPiece> parts;
  first.clear();
  last.clear();
  if (Components(h, p0, c0, c1, first) && Components(h, p1, c0, c1, last) &&
      first.size() == last.size()) {
    parts.clear();
    for (size_t i = 0; i < first.size(); ++i) {
      IntervalPieces(first[i], last[i], c0, c1, parts);
    }
    CombinePieces(parts);
    out.insert(out.end(), parts.begin(), parts.end());
    return;
  }
  // Scan: the kind of each key over all rows, then runs of equal kinds.
  thread_local std::vector<float> row;
  thread_local std::vector<uint8_t> any, all_one;
  const size_t n = static_cast<size_t>(c1 - c0);
  row.resize(n);
  any.assign(n, 0);
  all_one.assign(n, 1);
  for (int64_t p = p0; p <= p1; ++p) {
    WeightRow(h, p, c0, static_cast<int64_t>(n), row.data());
    for (size_t t = 0; t < n; ++t) {
      any[t] |= row[t] > 0.0f;
      all_one[t] &= row[t] == 1.0f;
    }
  }
  parts.clear();
  for (size_t t = 0; t < n; ++t) {
    if (!any[t]) continue;
    const TileKind kind = all_one[t] ? TileKind::kFull : TileKind::kPartial;
    const int64_t key = c0 + static_cast<int64_t>(t);
    parts.push_back({key, key + 1, kind});
  }
  CombinePieces(parts);
  out.insert(out.end(), parts.begin(), parts.end());
}

void MaskRule::WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                         float* w) const {
  for (int64_t t = 0; t < n; ++t) {
    w[t] = static_cast<float>(Weight(h, p, c0 + t));
  }
}

std::vector<int64_t> ParseIntParams(std::string_view params,
                                    const std::vector<std::string>& names,
                                    int64_t min_value) {
  std::vector<int64_t> values;
  size_t start = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const size_t colon = params.find(':', start);
    const bool last = i + 1 == names.size();
    if (start > params.size() || (!last && colon == std::string_view::npos) ||
        (last && colon != std::string_view::npos)) {
      throw InvalidArgument(
          fmt::format("expected {} parameter(s)", names.size()));
    }
    const std::string_view text = params.substr(start, colon - start);
    int64_t value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        value < min_value) {
      throw InvalidArgument(fmt::format("{} = '{}' is not an integer >= {}",
                                        names[i], text, min_value));
    }
    values.push_back(value);
    start = colon == std::string_view::npos ? params.size() + 1 : colon + 1;
  }
  return values;
}

bool RegisterMaskKind(MaskKindInfo info) {
  if (FindMaskKind(info.name) != nullptr) {
    std::fprintf(stderr, "attnbench: mask kind '%s' registered twice\n",
                 info.name.c_str());
    std::abort();
  }
  Kinds().push_back(std::move(info));
  return true;
}

const MaskKindInfo* FindMaskKind(std::string_view name) {
  for (const MaskKindInfo& k : Kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<const MaskKindInfo*> MaskKinds() {
  std::vector<const MaskKindInfo*> all;
  for (const MaskKindInfo& k : Kinds()) all.push_back(&k);
  std::sort(all.begin(), all.end(),
            [](auto* a, auto* b) { return a->name < b->name; });
  return all;
}

}  // namespace attnbench
