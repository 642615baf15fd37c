#include "harness/check/check_cases.h"

#include <algorithm>

#include "harness/contract/mask.h"
#include "harness/contract/mask_rule.h"

namespace attnbench {

std::vector<Shape> CheckShapes() {
  //       B  H  Hkv  Nq   Nk    D
  return {
      {1, 1, 1, 1, 1, 1},        // one query, one key, D = 1
      {1, 2, 1, 5, 5, 3},        // grouped-query, tiny D
      {2, 4, 2, 37, 37, 40},     // batch, GQA, N and D off every width
      {1, 2, 2, 17, 70, 72},     // Nq < Nk, bottom-right aligned
      {1, 3, 1, 129, 129, 129},  // D = 129, three heads on one K/V head
      {1, 2, 2, 1, 300, 64},     // one decode step against 300 cached keys
      {1, 8, 2, 1, 300, 64},     // decode, 4 query heads per K/V head
      {1, 4, 1, 3, 257, 96},     // 3 new tokens, 4 heads per K/V head
      {1, 1, 1, 200, 200, 16},   // a longer causal triangle
  };
}

// Every registered mask kind, the built-in ones included, with the examples
// it chose for this shape.
std::vector<Mask> CheckMasks(const Shape& shape) {
  std::vector<Mask> masks;
  for (const MaskKindInfo* kind : MaskKinds()) {
    for (const std::string& text : kind->check_examples(shape)) {
      masks.push_back(ParseMask(text));
    }
  }
  return masks;
}

std::vector<CheckCase> CheckCases() {
  std::vector<CheckCase> cases;
  for (const Shape& shape : CheckShapes()) {
    for (const Mask& mask : CheckMasks(shape)) cases.push_back({shape, mask});
  }
  return cases;
}

}  // namespace attnbench
