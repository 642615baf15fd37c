// The one mask system (after FlexAttention's mask_mod and score_mod): a
// MaskRule defines, for every (head h, query position p, key j), a weight
// in [0, 1] (0: masked) and optionally a linear score bias. Every mask kind
// is a rule in one registry, the built-in ones (none, causal, window, span)
// included: the oracle evaluates Weight in double precision, naive and the
// blocked engine use the rule's fast description (Segments) where it has
// one. docs/adding-a-variant.md walks through writing one.
#ifndef ATTNBENCH_HARNESS_CONTRACT_MASK_RULE_H_
#define ATTNBENCH_HARNESS_CONTRACT_MASK_RULE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnbench {

struct Shape;
class MaskRule;

// Keys [begin, end).
struct KeyRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end > begin ? end - begin : 0; }
};

// Keys [begin, end) of one query row, every one with weight > 0: weight
// exactly 1 (a flat segment, ramp_width == 0), or a linear ramp
// clamp((j - ramp_zero) / ramp_width, 0, 1) (adaptive span's soft edge).
struct KeySegment {
  int64_t begin = 0;
  int64_t end = 0;
  double ramp_zero = 0.0;
  double ramp_width = 0.0;

  bool operator==(const KeySegment&) const = default;
  bool Flat() const { return ramp_width == 0.0; }
  double WeightAt(int64_t j) const {
    if (Flat()) return 1.0;
    return std::clamp((static_cast<double>(j) - ramp_zero) / ramp_width, 0.0,
                      1.0);
  }
  // The keys whose weight is exactly 1 (all of them when flat; none of a
  // ramp that is not RampPrecise).
  KeyRange FlatKeys() const;
  // Whether WeightAt stays within about 2^-31 of the rule's own weights.
  // ramp_zero carries a rounding error of up to an ulp of the positions it
  // was formed from, which the division by ramp_width magnifies: a ramp
  // narrower than that (span:0:1e-30 at p = 5) must take its weights from
  // the rule (MaskRule::WeightRow), not from this segment.
  bool RampPrecise() const;
};

// How a tile of query rows x keys is computed: skipped, with no per-element
// mask (every weight exactly 1 for every row), or with per-element weights.
enum class TileKind { kEmpty, kFull, kPartial };

// A head's learnable span (MaskRule::SpanOf).
struct LearnableSpan {
  double z;     // the span z_h
  double ramp;  // R
};

struct KeyPiece {
  int64_t begin = 0;
  int64_t end = 0;
  TileKind kind = TileKind::kPartial;
};

// Part of a mask computed on positions regrouped by residue class mod
// `modulus`: class r lists positions r, r + modulus, r + 2 modulus, ... and
// position r + i * modulus is its index i. The part holds the pairs (p, j)
// of one class whose indices `within` lets through. Strided and dilated
// patterns become dense windows this way (docs/adding-a-variant.md).
struct ClassPart {
  int64_t modulus = 1;
  std::string name;  // the within-class mask, for messages
  std::shared_ptr<const MaskRule> within;
};

class MaskRule {
 public:
  virtual ~MaskRule() = default;

  // The parameters after "NAME:" that parse back into this rule ("" if none).
  virtual std::string Params() const = 0;
  // Throws InvalidArgument when the rule cannot apply to the shape.
  virtual void Check(const Shape& shape) const { (void)shape; }

  // The definition: weight of key j for head h at query position p.
  virtual double Weight(int64_t h, int64_t p, int64_t j) const = 0;

  // Score bias: s += -slope * (p - j) with slope = BiasSlope(h, H) (ALiBi;
  // 0, the default, for none).
  virtual double BiasSlope(int64_t h, int64_t heads) const {
    (void)h;
    (void)heads;
    return 0.0;
  }

  // The fast description, optional: row p's visible keys as segments,
  // appended to `out`, returning true. Only keys in [c0, c1) are used (a
  // rule may list more). Segments of a row are disjoint; every row lists the
  // same number of them in the same order, and each one's ends never
  // decrease as p grows (an empty one has end <= begin), so that the first
  // and last rows of a block bound the rows between. A rule without it
  // (false, the default) is correct but slow on the engine, which then
  // evaluates every weight of the tiles in reach and says so once.
  virtual bool Segments(int64_t h, int64_t p, int64_t c0, int64_t c1,
                        std::vector<KeySegment>& out) const {
    (void)h, (void)p, (void)c0, (void)c1, (void)out;
    return false;
  }

  // One row's visible keys, optional, for the decode path (one row at a
  // time): row p's segments within [c0, c1), clipped to it, non-empty and
  // in increasing order, appended to `out`, returning true. Unlike
  // Segments, rows need not move together as p grows, so a rule whose keys
  // wrap around residue classes (sparse_strided) can still say which keys
  // one row reads. Default: from Segments (false without them).
  virtual bool RowKeys(int64_t h, int64_t p, int64_t c0, int64_t c1,
                       std::vector<KeySegment>& out) const;

  // A learnable span, optional: a rule whose weights are w = clamp(1 +
  // (z_h - x) / R, 0, 1) (adaptive span) returns head h's z_h and R, so
  // that a backward pass can return dL/dz_h (dw/dz_h = 1/R inside the ramp,
  // z_h < x < z_h + R). nullopt (the default): the weights have no
  // parameter.
  virtual std::optional<LearnableSpan> SpanOf(int64_t h) const {
    (void)h;
    return std::nullopt;
  }

  // Regrouping, optional: the disjoint parts whose union is this mask, each
  // on positions regrouped by residue class. Empty (the default): the
  // engine runs the rule as it is. Weight stays the definition.
  virtual std::vector<ClassPart> Parts() const { return {}; }

  // Whether Weight(h, p, j) is the same for every head h (the score bias may
  // still depend on it), so that the decode path asks for one head's keys
  // of a position and gives them to all. Default false: asked per head.
  virtual bool SameWeightsForEveryHead() const { return false; }

  // Derived from Segments (override only for speed or without Segments):
  // a range holding every visible key of position p, clipped to [0, nk),
  // whose begin and end never decrease as p grows (without Segments:
  // causal, [0, p + 1)).
  virtual KeyRange Bounds(int64_t h, int64_t p, int64_t nk) const;
  // Visible keys of position p (without Segments: Weight over Bounds).
  virtual int64_t CountVisible(int64_t h, int64_t p, int64_t nk) const;
  // w[t] = Weight(h, p, c0 + t) for t < n, as float.
  virtual void WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                         float* w) const;

  // w[t] = Weight(h, p, c0 + t) for t < n, from the definition itself.
  void WeightRowByDefinition(int64_t h, int64_t p, int64_t c0, int64_t n,
                             float* w) const;

  // Whether Segments, and RowKeys, are implemented.
  bool HasSegments() const;
  bool HasRowKeys() const;
  // Splits keys [c0, c1) for the query positions [p0, p1] into pieces, in
  // order, that are full (every weight 1 for every row) or partial; keys
  // no row sees are left out. From the Segments of rows p0 and p1 (cost
  // O(k log k) in their count); without them by evaluating every weight.
  void Pieces(int64_t h, int64_t p0, int64_t p1, int64_t c0, int64_t c1,
              std::vector<KeyPiece>& out) const;
};

// A registered mask kind: `--mask NAME:PARAMS` makes the rule.
struct MaskKindInfo {
  std::string name;
  std::string usage;  // e.g. "sparse_fixed:L:C (blocks of L keys, ...)"
  // Makes the rule from the text after "NAME:" ("" when there is none);
  // throws InvalidArgument naming a bad parameter.
  std::function<std::shared_ptr<const MaskRule>(std::string_view params)> make;
  // Masks for `check` and the tests on a shape (every kind is exercised).
  std::function<std::vector<std::string>(const Shape&)> check_examples;
  // The mask the default sweep runs this kind with ("": not swept).
  std::string sweep_example;
};

// Pieces of keys [c0, c1) for one flat interval that is `first` at a
// block's first row and `last` at its last row (ends non-decreasing): full
// where every row sees the key, partial where some do.
void IntervalPieces(KeyRange first, KeyRange last, int64_t c0, int64_t c1,
                    std::vector<KeyPiece>& out);

// Orders pieces and resolves overlaps (full over partial), merging
// neighbours of the same kind; O(k log k) in their number.
void CombinePieces(std::vector<KeyPiece>& pieces);

// The largest integer mask parameter: 2^40 keys, far beyond any sequence
// that fits in memory, and small enough that sums and products of a few
// parameters and positions cannot overflow 64-bit arithmetic in the rules
// (or hide an overflow that the oracle, sharing the rule, would repeat).
inline constexpr int64_t kMaxMaskParam = int64_t{1} << 40;

// Parses "A:B:..." into integers, one per name, each in min_value ..
// kMaxMaskParam; throws InvalidArgument naming the parameter ("L = 'x' is
// not an integer >= 1", "L = ... is out of range; allowed: 1..2^40").
std::vector<int64_t> ParseIntParams(std::string_view params,
                                    const std::vector<std::string>& names,
                                    int64_t min_value);

// Returns true so that it can initialise a static; names must be unique.
bool RegisterMaskKind(MaskKindInfo info);
const MaskKindInfo* FindMaskKind(std::string_view name);
// The built-in kinds first (none, causal, window, span), then the others by
// name.
std::vector<const MaskKindInfo*> MaskKinds();

}  // namespace attnbench

#define ATTNBENCH_MASK_CONCAT2(a, b) a##b
#define ATTNBENCH_MASK_CONCAT(a, b) ATTNBENCH_MASK_CONCAT2(a, b)
// Registers a mask kind from its own .cc file: ATTNBENCH_REGISTER_MASK({...}).
#define ATTNBENCH_REGISTER_MASK(...)                        \
  [[maybe_unused]] static const bool ATTNBENCH_MASK_CONCAT( \
      attnbench_mask_registered_, __LINE__) =               \
      ::attnbench::RegisterMaskKind(::attnbench::MaskKindInfo __VA_ARGS__)

#endif  // ATTNBENCH_HARNESS_CONTRACT_MASK_RULE_H_
