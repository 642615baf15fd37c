// The extension interface for attention patterns (after FlexAttention's
// mask_mod and score_mod): a MaskRule defines, for every (head h, query
// position p, key j), a weight in [0, 1] (0: masked) and optionally a score
// bias; the blocked engine turns it into a fast kernel, the oracle evaluates
// the same rule in double precision. A rule registers a mask kind, so that
// `--mask NAME:PARAMS` selects it everywhere (check, run, sweep, tests).
// docs/adding-a-variant.md walks through one.
#ifndef ATTNBENCH_HARNESS_MASK_RULE_H_
#define ATTNBENCH_HARNESS_MASK_RULE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnbench {

struct Shape;

// Keys [begin, end).
struct KeyRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end > begin ? end - begin : 0; }
};

// How a tile of query rows x keys is computed: skipped, with no per-element
// mask (every weight exactly 1), or with per-element weights.
enum class TileKind { kEmpty, kFull, kPartial };

struct KeyPiece {
  int64_t begin = 0;
  int64_t end = 0;
  TileKind kind = TileKind::kPartial;
};

class MaskRule {
 public:
  virtual ~MaskRule() = default;

  // The parameters after "NAME:" that parse back into this rule ("" if none).
  virtual std::string Params() const = 0;
  // Throws InvalidArgument when the rule cannot apply to the shape.
  virtual void Check(const Shape& shape) const { (void)shape; }

  // The definition: weight of key j for head h at query position p. Must be
  // 0 outside Bounds(h, p, nk).
  virtual double Weight(int64_t h, int64_t p, int64_t j) const = 0;

  // Score bias: s += -slope * (p - j) with slope = BiasSlope(h, H) (ALiBi;
  // 0, the default, for none).
  virtual double BiasSlope(int64_t h, int64_t heads) const {
    (void)h;
    (void)heads;
    return 0.0;
  }

  // Fast paths, all optional (the defaults are correct for any rule):

  // A range holding every visible key of position p; begin and end must not
  // decrease as p grows. Default: causal, [0, p + 1).
  virtual KeyRange Bounds(int64_t h, int64_t p, int64_t nk) const {
    (void)h;
    return {0, std::min(p + 1, nk)};
  }
  // Visible keys of position p. Default: counts Weight over Bounds.
  virtual int64_t CountVisible(int64_t h, int64_t p, int64_t nk) const;
  // Describes row p's visible keys in [c0, c1) as components: intervals
  // [begin, end) of weight-1 keys whose ends never decrease as p grows (an
  // empty component has end <= begin), always the same components in the
  // same order for every p; returns true. Default: false (none known).
  virtual bool Components(int64_t h, int64_t p, int64_t c0, int64_t c1,
                          std::vector<KeyRange>& out) const {
    (void)h, (void)p, (void)c0, (void)c1, (void)out;
    return false;
  }
  // Splits keys [c0, c1) for the query positions [p0, p1] into pieces, in
  // order, that are empty, full (every weight 1 for every row) or partial.
  // Default: from Components of the first and last rows (IntervalPieces
  // per component, exact for monotone ends); without them, by evaluating
  // every weight of the tile (exact for any rule, slow).
  virtual void Pieces(int64_t h, int64_t p0, int64_t p1, int64_t c0, int64_t c1,
                      std::vector<KeyPiece>& out) const;
  // w[t] = Weight(h, p, c0 + t) for t < n. Default: calls Weight.
  virtual void WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                         float* w) const;
};

// A registered mask kind: `--mask NAME:PARAMS` makes the rule.
struct MaskKindInfo {
  std::string name;
  std::string usage;  // e.g. "fixed:L:C (blocks of L keys, C summary keys)"
  std::function<std::shared_ptr<const MaskRule>(std::string_view params)>
      make;  // throws InvalidArgument for bad parameters
  // Masks for `check` and the tests on a shape (every kind is exercised).
  std::function<std::vector<std::string>(const Shape&)> check_examples;
  // The mask the default sweep runs this kind with.
  std::string sweep_example;
};

// Pieces of keys [c0, c1) for one component whose interval is `first` at
// the block's first row and `last` at its last row (ends non-decreasing):
// full where every row sees the key, partial where some do, nothing else.
void IntervalPieces(KeyRange first, KeyRange last, int64_t c0, int64_t c1,
                    std::vector<KeyPiece>& out);

// Orders pieces and resolves overlaps (full over partial), merging
// neighbours of the same kind.
void CombinePieces(std::vector<KeyPiece>& pieces);

// Parses "A:B:..." into integers, one per name, each >= min_value; throws
// InvalidArgument naming the parameter ("L = x is not an integer >= 1").
std::vector<int64_t> ParseIntParams(std::string_view params,
                                    const std::vector<std::string>& names,
                                    int64_t min_value);

// Returns true so that it can initialise a static; names must be unique.
bool RegisterMaskKind(MaskKindInfo info);
const MaskKindInfo* FindMaskKind(std::string_view name);
// Sorted by name.
std::vector<const MaskKindInfo*> MaskKinds();

}  // namespace attnbench

#define ATTNBENCH_MASK_CONCAT2(a, b) a##b
#define ATTNBENCH_MASK_CONCAT(a, b) ATTNBENCH_MASK_CONCAT2(a, b)
// Registers a mask kind from its own .cc file: ATTNBENCH_REGISTER_MASK({...}).
#define ATTNBENCH_REGISTER_MASK(...)                        \
  [[maybe_unused]] static const bool ATTNBENCH_MASK_CONCAT( \
      attnbench_mask_registered_, __LINE__) =               \
      ::attnbench::RegisterMaskKind(::attnbench::MaskKindInfo __VA_ARGS__)

#endif  // ATTNBENCH_HARNESS_MASK_RULE_H_
