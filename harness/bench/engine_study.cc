// The engine study (--engine-study): the blocked engine itself, not a
// registered variant, run with each key block size Bc and each cap on a
// group's query rows; the measurements behind DefaultKeyBlock and
// BlockedGroupRowsCap (docs/flash.md). The one bench file that knows the
// engine.
#include <fmt/format.h>

#include "harness/bench/families.h"
#include "harness/bench/family_runner.h"
#include "harness/contract/mask.h"
#include "variants/engine/blocked.h"

namespace attnbench::bench {

int RegisterEngineStudy(const BenchOptions& options) {
  const SweepSpec& spec = options.spec;
  const InputSpec inputs = InputSpec::FromSweep(spec);
  int families = 0;
  for (const std::string& mask_text : spec.masks) {
    const Mask mask = ParseMask(mask_text);
    for (int64_t dim : spec.head_dims) {
      for (size_t bc : options.study_key_blocks) {
        for (size_t rows : options.study_group_rows) {
          for (int threads : spec.threads) {
            const Problem problem = FamilyProblem(spec, mask, dim, threads);
            const double peak = options.peak_gflops.at(threads);
            const EngineTuning tuning{bc, rows};
            // Group rows 0 is the default cap, named as such.
            const std::string group =
                rows == 0 ? "default" : fmt::format("{}", rows);
            Family(fmt::format("engine/{}/D:{}/Bc:{}/group_rows:{}/threads:{}",
                               mask.ToString(), dim, bc, group, threads),
                   spec, [=](benchmark::State& state) {
                     RunBenchmark(state, problem, {}, peak, inputs,
                                  [tuning](const Problem& p, const Tensors& t) {
                                    RunBlocked(p, t, tuning);
                                  });
                   });
            ++families;
          }
        }
      }
    }
  }
  return families;
}

}  // namespace attnbench::bench
