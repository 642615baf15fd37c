// The oracle's gradients (issue: the backward pass): the fp64 analytic
// backward of the forward oracle (harness/check/oracle.h), scalar and
// written plainly, sharing no arithmetic with any variant. For a loss L
// whose gradient with respect to the output is dO, per query row p of
// head h (keys j with weight w_pj > 0; P, o as in the forward):
//   dV_j += P_pj dO_p                     (summed over the group's heads)
//   dP_pj = dO_p . v_j,  D_p = dO_p . o_p,  dS_pj = P_pj (dP_pj - D_p)
//   dQ_p  = scale sum_j dS_pj k_j
//   dK_j += scale dS_pj q_p               (summed over the group's heads)
// and, for adaptive span (w = clamp(1 + (z_h - x) / R, 0, 1), x = p - j),
// the gradient with respect to each head's span:
//   dL/dw_pj = (P_pj / w_pj) (dP_pj - D_p),  dw/dz_h = 1/R inside the ramp
//   (0 < w < 1), 0 elsewhere (the kinks at w = 0 and w = 1 take the
//   derivative of the flat side);  dz_h = sum_pj dL/dw_pj dw_pj/dz_h.
// A score bias (ALiBi) is a constant: it has no gradient of its own.
#ifndef ATTNBENCH_HARNESS_CHECK_ORACLE_BACKWARD_H_
#define ATTNBENCH_HARNESS_CHECK_ORACLE_BACKWARD_H_

#include <optional>
#include <vector>

#include "harness/contract/mask.h"
#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// The spans and ramp of an adaptive-span mask, for dz (the oracle reads
// them from the caller, not from the mask rule's code).
struct SpanParameters {
  std::vector<double> spans;  // one for every head, or one per head
  double ramp = 32.0;
  double SpanOf(int64_t h) const {
    return spans.size() == 1 ? spans[0] : spans[static_cast<size_t>(h)];
  }
};

// The gradients and, element by element, the bound on an fp32 kernel's
// error in each (docs/semantics.md "Gradient error bound"): a first-order
// running error bound from the magnitudes of the terms every step adds up,
// for any summation order and blocking, an exponential within 4 ulp and
// the forward's saved softmax statistics (m, l) as an fp32 kernel forms
// them.
struct OracleGradients {
  std::vector<double> dq;  // [B, H, Nq, D]
  std::vector<double> dk;  // [B, Hkv, Nk, D]
  std::vector<double> dv;  // [B, Hkv, Nk, D]
  std::vector<double> dz;  // [H] with span parameters, else empty
  std::vector<double> dq_bound, dk_bound, dv_bound, dz_bound;  // same shapes
};

// dQ of the given rows only (flat indices (b * H + h) * Nq + i), rows.size()
// x D: each needs only its own row's forward, O(Nk D), so that a sample of
// rows can be checked where the whole gradients' oracle costs too much;
// with bounds, their error bounds too.
std::vector<double> OracleDqRows(const Problem& problem, const Tensors& t,
                                 const float* d_out,
                                 const std::vector<int64_t>& rows,
                                 std::vector<double>* bounds = nullptr);

// The spans and ramp of a `span:Z[,Z...][:R]` mask, read from its text
// (R = 32 when absent); nullopt for any other kind.
std::optional<SpanParameters> SpanParametersOf(const Mask& mask);

// dO is [B, H, Nq, D] like the output.
OracleGradients OracleBackward(const Problem& problem, const Tensors& t,
                               const float* d_out,
                               const SpanParameters* span = nullptr);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CHECK_ORACLE_BACKWARD_H_
