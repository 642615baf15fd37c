// The FP32 fused-multiply-add probe behind `attnbench peak`: independent FMA
// chains, enough of them to keep every FMA pipe busy on the dispatched
// Highway target.
#ifndef ATTNBENCH_KERNELS_FMA_PEAK_H_
#define ATTNBENCH_KERNELS_FMA_PEAK_H_

#include <cstdint>

namespace attnbench {

// Runs `iterations` steps of the chains on the dispatched target; the result
// depends on every FMA, so the compiler cannot drop any.
float RunFmaChains(int64_t iterations);

// FLOPs that RunFmaChains(iterations) performs on the dispatched target
// (2 per lane per FMA).
double FmaChainFlops(int64_t iterations);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_FMA_PEAK_H_
