// What the engine and naive derive from a rule's Segments: bounds, counts,
// weight rows and the empty / full / partial pieces of a block's tiles.
#include <algorithm>
#include <cmath>

#include "harness/contract/mask_rule.h"

namespace attnbench {
namespace {

// The segments of row p (false without Segments), in a per-thread buffer.
bool RowSegments(const MaskRule& rule, int64_t h, int64_t p, int64_t c0,
                 int64_t c1, std::vector<KeySegment>& out) {
  out.clear();
  return rule.Segments(h, p, c0, c1, out);
}

// Pieces of keys [c0, c1) from segment i of a block's first and last rows:
// partial wherever some row sees it, full where every row's flat part does.
void SegmentPieces(const KeySegment& first, const KeySegment& last, int64_t c0,
                   int64_t c1, std::vector<KeyPiece>& out) {
  if (first.Flat() && last.Flat()) {
    IntervalPieces({first.begin, first.end}, {last.begin, last.end}, c0, c1,
                   out);
    return;
  }
  const int64_t a = std::max(std::min(first.begin, last.begin), c0);
  const int64_t b = std::min(std::max(first.end, last.end), c1);
  if (a < b) out.push_back({a, b, TileKind::kPartial});
  IntervalPieces(first.FlatKeys(), last.FlatKeys(), c0, c1, out);
}

// Without Segments: the kind of each key over all rows, then runs.
void ScanPieces(const MaskRule& rule, int64_t h, int64_t p0, int64_t p1,
                int64_t c0, int64_t c1, std::vector<KeyPiece>& out) {
  thread_local std::vector<float> row;
  thread_local std::vector<uint8_t> any, all_one;
  const size_t n = static_cast<size_t>(c1 - c0);
  row.resize(n);
  any.assign(n, 0);
  all_one.assign(n, 1);
  for (int64_t p = p0; p <= p1; ++p) {
    rule.WeightRow(h, p, c0, static_cast<int64_t>(n), row.data());
    for (size_t t = 0; t < n; ++t) {
      any[t] |= row[t] > 0.0f;
      all_one[t] &= row[t] == 1.0f;
    }
  }
  for (size_t t = 0; t < n; ++t) {
    if (!any[t]) continue;
    const TileKind kind = all_one[t] ? TileKind::kFull : TileKind::kPartial;
    const int64_t key = c0 + static_cast<int64_t>(t);
    if (!out.empty() && out.back().end == key && out.back().kind == kind) {
      ++out.back().end;
    } else {
      out.push_back({key, key + 1, kind});
    }
  }
}

}  // namespace

bool KeySegment::RampPrecise() const {
  if (Flat()) return true;
  const double scale =
      std::max({std::fabs(ramp_zero), std::fabs(static_cast<double>(begin)),
                std::fabs(static_cast<double>(end)), 1.0});
  return std::fabs(ramp_width) >= std::ldexp(scale, -20);
}

KeyRange KeySegment::FlatKeys() const {
  if (Flat() || begin >= end) return {begin, end};
  if (!RampPrecise())
    return ramp_width > 0 ? KeyRange{end, end} : KeyRange{begin, begin};
  // Weights rise with j for ramp_width > 0 (flat from the right end),
  // fall for ramp_width < 0 (flat from the left end); the edge is found
  // with the same double formula WeightAt uses.
  const double edge = ramp_zero + ramp_width;
  if (ramp_width > 0) {
    int64_t c =
        std::clamp<int64_t>(static_cast<int64_t>(std::ceil(edge)), begin, end);
    while (c > begin && WeightAt(c - 1) >= 1.0) --c;
    while (c < end && WeightAt(c) < 1.0) ++c;
    return {c, end};
  }
  int64_t c = std::clamp<int64_t>(static_cast<int64_t>(std::floor(edge)) + 1,
                                  begin, end);
  while (c < end && WeightAt(c) >= 1.0) ++c;
  while (c > begin && WeightAt(c - 1) < 1.0) --c;
  return {begin, c};
}

bool MaskRule::HasSegments() const {
  std::vector<KeySegment> probe;
  return Segments(0, 0, 0, 1, probe);
}

bool MaskRule::HasRowKeys() const {
  std::vector<KeySegment> probe;
  return RowKeys(0, 0, 0, 1, probe);
}

bool MaskRule::RowKeys(int64_t h, int64_t p, int64_t c0, int64_t c1,
                       std::vector<KeySegment>& out) const {
  thread_local std::vector<KeySegment> segs;
  if (!RowSegments(*this, h, p, c0, c1, segs)) return false;
  const auto first = static_cast<std::ptrdiff_t>(out.size());
  for (KeySegment s : segs) {
    s.begin = std::max(s.begin, c0);
    s.end = std::min(s.end, c1);
    if (s.begin < s.end) out.push_back(s);
  }
  const auto by_begin = [](const KeySegment& a, const KeySegment& b) {
    return a.begin < b.begin;
  };
  if (!std::is_sorted(out.begin() + first, out.end(), by_begin)) {
    std::sort(out.begin() + first, out.end(), by_begin);
  }
  // Flat neighbours that touch become one (dilated:W:1's W single keys).
  auto last = out.begin() + first;
  for (auto it = last; it != out.end(); ++it) {
    if (it == last) continue;
    if (last->Flat() && it->Flat() && last->end == it->begin) {
      last->end = it->end;
    } else {
      *++last = *it;
    }
  }
  if (last != out.end()) out.erase(last + 1, out.end());
  return true;
}

KeyRange MaskRule::Bounds(int64_t h, int64_t p, int64_t nk) const {
  thread_local std::vector<KeySegment> segs;
  if (!RowSegments(*this, h, p, 0, nk, segs)) return {0, std::min(p + 1, nk)};
  // Without a visible key: an empty range where the first segment begins,
  // so that the begins stay non-decreasing.
  KeyRange r{nk, 0};
  int64_t empty_at = nk;
  for (const KeySegment& s : segs) {
    const int64_t a = std::clamp<int64_t>(s.begin, 0, nk);
    const int64_t b = std::min(s.end, nk);
    empty_at = std::min(empty_at, a);
    if (a >= b) continue;
    r.begin = std::min(r.begin, a);
    r.end = std::max(r.end, b);
  }
  return r.end > r.begin ? r : KeyRange{empty_at, empty_at};
}

int64_t MaskRule::CountVisible(int64_t h, int64_t p, int64_t nk) const {
  thread_local std::vector<KeySegment> segs;
  if (RowSegments(*this, h, p, 0, nk, segs)) {
    int64_t count = 0;
    for (const KeySegment& s : segs) {
      count +=
          KeyRange{std::max<int64_t>(s.begin, 0), std::min(s.end, nk)}.size();
    }
    return count;
  }
  const KeyRange r = Bounds(h, p, nk);
  int64_t count = 0;
  for (int64_t j = r.begin; j < r.end; ++j) count += Weight(h, p, j) > 0.0;
  return count;
}

void MaskRule::WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                         float* w) const {
  thread_local std::vector<KeySegment> segs;
  if (!RowSegments(*this, h, p, c0, c0 + n, segs)) {
    WeightRowByDefinition(h, p, c0, n, w);
    return;
  }
  std::fill(w, w + n, 0.0f);
  for (const KeySegment& s : segs) {
    const int64_t a = std::max(s.begin, c0), b = std::min(s.end, c0 + n);
    if (!s.RampPrecise()) {
      WeightRowByDefinition(h, p, a, b - a, w + (a - c0));
      continue;
    }
    for (int64_t j = a; j < b; ++j) {
      w[j - c0] = static_cast<float>(s.WeightAt(j));
    }
  }
}

void MaskRule::WeightRowByDefinition(int64_t h, int64_t p, int64_t c0,
                                     int64_t n, float* w) const {
  for (int64_t t = 0; t < n; ++t) {
    w[t] = static_cast<float>(Weight(h, p, c0 + t));
  }
}

void MaskRule::Pieces(int64_t h, int64_t p0, int64_t p1, int64_t c0, int64_t c1,
                      std::vector<KeyPiece>& out) const {
  thread_local std::vector<KeySegment> first, last;
  thread_local std::vector<KeyPiece> parts;
  if (RowSegments(*this, h, p0, c0, c1, first) &&
      RowSegments(*this, h, p1, c0, c1, last) && first.size() == last.size()) {
    if (first.size() == 1 && first[0].Flat() && last[0].Flat()) {
      // One flat segment (most masks): its pieces are already in order.
      IntervalPieces({first[0].begin, first[0].end},
                     {last[0].begin, last[0].end}, c0, c1, out);
      return;
    }
    parts.clear();
    for (size_t i = 0; i < first.size(); ++i) {
      SegmentPieces(first[i], last[i], c0, c1, parts);
    }
    CombinePieces(parts);
    out.insert(out.end(), parts.begin(), parts.end());
    return;
  }
  ScanPieces(*this, h, p0, p1, c0, c1, out);
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
  // A sweep over the pieces' ends: +1 where one starts, -1 where it ends,
  // per kind; between two consecutive ends the kind is full if any full
  // piece covers it, else partial if any covers it.
  struct Event {
    int64_t at;
    int full, partial;
  };
  thread_local std::vector<Event> events;
  events.clear();
  for (const KeyPiece& p : pieces) {
    if (p.begin >= p.end || p.kind == TileKind::kEmpty) continue;
    const int f = p.kind == TileKind::kFull;
    events.push_back({p.begin, f, 1 - f});
    events.push_back({p.end, -f, f - 1});
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.at < b.at; });
  pieces.clear();
  int full = 0, partial = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    full += events[i].full;
    partial += events[i].partial;
    if (i + 1 == events.size() || events[i + 1].at == events[i].at) continue;
    const TileKind kind = full > 0      ? TileKind::kFull
                          : partial > 0 ? TileKind::kPartial
                                        : TileKind::kEmpty;
    const int64_t a = events[i].at, b = events[i + 1].at;
    if (kind == TileKind::kEmpty) continue;
    if (!pieces.empty() && pieces.back().end == a &&
        pieces.back().kind == kind) {
      pieces.back().end = b;
    } else {
      pieces.push_back({a, b, kind});
    }
  }
}

}  // namespace attnbench
