#include "harness/measure/execute.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

namespace attnbench {

void RequireRunnable(const Variant& variant, const Problem& problem) {
  Validate(problem);
  const std::string why = variant.WhyUnsupported(problem);
  if (!why.empty()) throw InvalidArgument(why);
}

struct ThreadArena::Impl {
  explicit Impl(int threads)
      // Raise oneTBB's process-wide cap so that threads > cores is honoured.
      : cap(tbb::global_control::max_allowed_parallelism,
            static_cast<size_t>(threads)),
        arena(threads) {}
  tbb::global_control cap;
  tbb::task_arena arena;
};

ThreadArena::ThreadArena(int threads)
    : impl_(std::make_unique<Impl>(threads)) {}
ThreadArena::~ThreadArena() = default;

void ThreadArena::Execute(const std::function<void()>& fn) {
  impl_->arena.execute(fn);
}

void RunVariant(const Variant& variant, const Problem& problem,
                const Tensors& tensors) {
  RequireRunnable(variant, problem);
  ThreadArena arena(problem.threads);
  arena.Execute([&] { variant.Run(problem, tensors); });
}

}  // namespace attnbench
