// Running a variant on a problem: validation, support, and the thread arena.
#ifndef ATTNBENCH_HARNESS_MEASURE_EXECUTE_H_
#define ATTNBENCH_HARNESS_MEASURE_EXECUTE_H_

#include <functional>
#include <memory>

#include "harness/contract/problem.h"
#include "harness/contract/variant.h"

namespace attnbench {

// Validates the problem and throws InvalidArgument with the variant's reason
// when it does not support it.
void RequireRunnable(const Variant& variant, const Problem& problem);

// A oneTBB arena with exactly `threads` threads (more than the cores too):
// everything run through it, and every tbb::parallel_* inside, uses them.
class ThreadArena {
 public:
  explicit ThreadArena(int threads);
  ~ThreadArena();
  void Execute(const std::function<void()>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RequireRunnable, then one run in an arena of problem.threads threads.
void RunVariant(const Variant& variant, const Problem& problem,
                const Tensors& tensors);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_EXECUTE_H_
