// The key-block study of the blocked engine (--key-block-study): the engine
// itself, not a registered variant, run with each key block size Bc; the
// measurements behind DefaultKeyBlock (docs/flash.md). The one bench file
// that knows the engine.
#include <fmt/format.h>

#include "harness/bench/families.h"
#include "harness/bench/family_runner.h"
#include "harness/contract/mask.h"
#include "variants/engine/blocked.h"

namespace attnbench::bench {

int RegisterKeyBlockStudy(const BenchOptions& options) {
  const SweepSpec& spec = options.spec;
  const Distribution dist = ParseDistribution(spec.dist);
  int families = 0;
  // The blocked engine with each key block size Bc, for each mask: the
  // measurements behind DefaultKeyBlock (docs/flash.md).
  for (const std::string& mask_text : spec.masks) {
    const Mask mask = ParseMask(mask_text);
    for (int64_t dim : spec.head_dims) {
      for (size_t bc : {32, 64, 128, 256, 512, 1024}) {
        for (int threads : spec.threads) {
          const Problem problem = FamilyProblem(spec, mask, dim, threads);
          const double peak = options.peak_gflops.at(threads);
          Family(fmt::format("engine_key_block/{}/D:{}/Bc:{}/threads:{}",
                             mask.ToString(), dim, bc, threads),
                 spec, [=](benchmark::State& state) {
                   RunBenchmark(state, problem, {}, peak, dist,
                                [bc](const Problem& p, const Tensors& t) {
                                  RunBlocked(p, t, bc);
                                });
                 });
          ++families;
        }
      }
    }
  }
  return families;
}

}  // namespace attnbench::bench
