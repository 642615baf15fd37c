// Positions regrouped by residue class mod m, as a rule's Parts ask
// (harness/contract/mask_rule.h ClassPart): class r lists r, r + m, ...;
// in "class order" the classes follow one another, class r starting at
// ClassStart(r). Used by variants/engine/regroup.cc when N is not a
// multiple of m (otherwise the engine reads the classes in place).
#ifndef ATTNBENCH_VARIANTS_ENGINE_CLASS_ORDER_H_
#define ATTNBENCH_VARIANTS_ENGINE_CLASS_ORDER_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/contract/mask_rule.h"

namespace attnbench {

class ClassOrder {
 public:
  ClassOrder(int64_t n, int64_t m)
      : n_(n), m_(m), full_(n / m), extra_(n % m) {}
  int64_t Modulus() const { return m_; }
  int64_t Classes() const { return std::min(m_, n_); }
  // Classes below `extra` hold full + 1 positions, the others full.
  int64_t ClassStart(int64_t r) const {
    return r * full_ + std::min(r, extra_);
  }
  // Class-order index of position p.
  int64_t Permuted(int64_t p) const { return ClassStart(p % m_) + p / m_; }
  // The class holding class-order index q.
  int64_t ClassAt(int64_t q) const {
    const int64_t big = extra_ * (full_ + 1);
    return q < big ? q / (full_ + 1) : extra_ + (q - big) / full_;
  }

 private:
  int64_t n_, m_, full_, extra_;
};

// A within-class rule read in class order: pairs of one class, with the
// within rule on their class indices.
class ClassOrderRule final : public MaskRule {
 public:
  ClassOrderRule(int64_t n, int64_t m, std::shared_ptr<const MaskRule> within)
      : order_(n, m), within_(std::move(within)) {}
  std::string Params() const override { return ""; }
  double Weight(int64_t h, int64_t p, int64_t j) const override {
    const int64_t r = order_.ClassAt(p), start = order_.ClassStart(r);
    if (j < start || j >= order_.ClassStart(r + 1)) return 0.0;
    return within_->Weight(h, p - start, j - start);
  }
  double BiasSlope(int64_t h, int64_t heads) const override {
    return within_->BiasSlope(h, heads);
  }
  bool Segments(int64_t h, int64_t p, int64_t c0, int64_t c1,
                std::vector<KeySegment>& out) const override {
    const int64_t r = order_.ClassAt(p), start = order_.ClassStart(r);
    const int64_t end = order_.ClassStart(r + 1);
    const size_t first = out.size();
    if (!within_->Segments(h, p - start, c0 - start, c1 - start, out)) {
      return false;
    }
    for (size_t i = first; i < out.size(); ++i) {
      KeySegment& s = out[i];
      s.begin = std::clamp(s.begin + start, start, end);
      s.end = std::clamp(s.end + start, s.begin, end);
      s.ramp_zero += static_cast<double>(start);
    }
    return true;
  }

 private:
  ClassOrder order_;
  std::shared_ptr<const MaskRule> within_;
};

// A within-class rule seen from a pass whose head h' = h * m + r is class r
// of head h (in-place regrouping): every call gets the original head h.
class ClassHeadRule final : public MaskRule {
 public:
  ClassHeadRule(int64_t m, std::shared_ptr<const MaskRule> within)
      : m_(m), within_(std::move(within)) {}
  std::string Params() const override { return within_->Params(); }
  double Weight(int64_t h, int64_t p, int64_t j) const override {
    return within_->Weight(h / m_, p, j);
  }
  double BiasSlope(int64_t h, int64_t heads) const override {
    return within_->BiasSlope(h / m_, heads / m_);
  }
  bool Segments(int64_t h, int64_t p, int64_t c0, int64_t c1,
                std::vector<KeySegment>& out) const override {
    return within_->Segments(h / m_, p, c0, c1, out);
  }
  KeyRange Bounds(int64_t h, int64_t p, int64_t nk) const override {
    return within_->Bounds(h / m_, p, nk);
  }
  int64_t CountVisible(int64_t h, int64_t p, int64_t nk) const override {
    return within_->CountVisible(h / m_, p, nk);
  }
  void WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                 float* w) const override {
    within_->WeightRow(h / m_, p, c0, n, w);
  }

 private:
  int64_t m_;
  std::shared_ptr<const MaskRule> within_;
};

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_CLASS_ORDER_H_
