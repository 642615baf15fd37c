// The shapes and masks that `attnbench check` and the variant tests run
// every variant on: awkward sizes on purpose (N = 1, D not a multiple of any
// vector width, N not a multiple of any block, Nq < Nk, Hkv < H, batches).
#ifndef ATTNBENCH_HARNESS_CHECK_CHECK_CASES_H_
#define ATTNBENCH_HARNESS_CHECK_CHECK_CASES_H_

#include <vector>

#include "harness/contract/problem.h"

namespace attnbench {

struct CheckCase {
  Shape shape;
  Mask mask;
};

std::vector<Shape> CheckShapes();

// Masks exercised on a shape: every kind, windows of 1, a few keys and more
// than Nk, spans of 0, fractional, per head, and longer than Nk.
std::vector<Mask> CheckMasks(const Shape& shape);

// CheckShapes() x CheckMasks(shape).
std::vector<CheckCase> CheckCases();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CHECK_CHECK_CASES_H_
