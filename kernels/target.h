// Which Highway target the kernels run on, and a way to pin one.
#ifndef ATTNBENCH_KERNELS_TARGET_H_
#define ATTNBENCH_KERNELS_TARGET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnbench {

// The target HWY_DYNAMIC_DISPATCH selects now: the best one compiled and
// supported by this CPU, or the one pinned by PinTarget.
int64_t DispatchedTarget();
std::string DispatchedTargetName();

// Targets compiled into this binary that this CPU can run, best first
// (while a target is pinned: that one only).
std::vector<int64_t> RunnableTargets();
std::string TargetNameOf(int64_t target);

// Restricts dispatch to one runnable target, by name (e.g. "AVX2"; case
// insensitive), or back to the best with "best". Returns false (and leaves
// the best target in force) for any other name.
bool TryPinTarget(std::string_view name);

}  // namespace attnbench

#endif  // ATTNBENCH_KERNELS_TARGET_H_
