#include "harness/check/oracle.h"

#include <algorithm>
#include <cmath>

#include "harness/contract/mask.h"

namespace attnbench {

double OracleWeight(const Mask& mask, int64_t h, int64_t p, int64_t j) {
  return mask.Rule().Weight(h, p, j);
}

void OracleRow(const Problem& problem, const Tensors& t, int64_t b, int64_t h,
               int64_t i, double* out) {
  const Mask& mask = problem.mask;
  const double slope = mask.Rule().BiasSlope(h, problem.shape.H);
  OracleRowWithWeights(
      problem.shape, problem.Scale(), t, b, h, i,
      [&mask](int64_t hh, int64_t p, int64_t j) {
        return OracleWeight(mask, hh, p, j);
      },
      out,
      [slope](int64_t p, int64_t j) {
        return -slope * static_cast<double>(p - j);
      });
}

std::vector<double> OracleOutput(const Problem& problem, const Tensors& t) {
  const Shape& s = problem.shape;
  std::vector<double> out(static_cast<size_t>(s.QElements()));
  for (int64_t b = 0; b < s.B; ++b) {
    for (int64_t h = 0; h < s.H; ++h) {
      for (int64_t i = 0; i < s.Nq; ++i) {
        OracleRow(problem, t, b, h, i,
                  out.data() + ((b * s.H + h) * s.Nq + i) * s.D);
      }
    }
  }
  return out;
}

}  // namespace attnbench
