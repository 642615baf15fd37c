// Splitting a sweep's plan into disjoint shards (`sweep --shard I/N`), for
// running it on several machines or a cluster's job array
// (docs/cluster.md): every configuration in exactly one shard, the shards
// balanced by predicted cost rather than by count, the split a function of
// the plan alone.
#ifndef ATTNBENCH_HARNESS_SWEEP_SHARD_H_
#define ATTNBENCH_HARNESS_SWEEP_SHARD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/sweep/plan.h"

namespace attnbench::sweep {

// A shard's index and the number of shards: "I/N" with 0 <= I < N;
// InvalidArgument naming --shard and the allowed form otherwise.
struct ShardSpec {
  int index = 0, count = 1;
};
ShardSpec ParseShard(const std::string& text);

// The predicted cost of a configuration, in effective FLOPs of its pass,
// times 8 for the dense baseline (naive), which ran 7-9 times slower per
// effective FLOP than the engine on the machines measured (README).
double ShardCost(const SweepConfig& config);

// The identity of a whole plan (its configurations in order): 16 hex digits
// of FNV-1a over their ConfigKeys. Shards of one plan share it.
std::string PlanId(const std::vector<SweepConfig>& configs);

// Which shard each configuration belongs to: longest-processing-time
// first (configurations by decreasing cost, ties by plan order, each to the
// shard with the least cost so far, ties to the lowest index).
std::vector<int> AssignShards(const std::vector<SweepConfig>& configs,
                              int count);

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_SHARD_H_
