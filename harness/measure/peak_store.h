// The FMA peak that divides pct_peak, guarded by a per-machine record.
//
// A probe run while another process is busy reads low (102.5 GFLOP/s for
// a machine that does 200), which would double a row's pct_peak. So each
// machine keeps the best FP32 FMA peak it has measured, per CPU model,
// Highway target and thread count, in a small JSON file; a run reuses it
// and verifies it with a short probe. docs/semantics.md "Noise" says more.
#ifndef ATTNBENCH_HARNESS_MEASURE_PEAK_STORE_H_
#define ATTNBENCH_HARNESS_MEASURE_PEAK_STORE_H_

#include <filesystem>
#include <optional>
#include <string>

#include "harness/measure/measure.h"

namespace attnbench {

// $ATTNBENCH_PEAK_STORE, else $XDG_CACHE_HOME/attnbench/peaks.json, else
// $HOME/.cache/attnbench/peaks.json; empty (no record kept) when the
// variable is "none" or no home is known.
std::filesystem::path PeakStorePath();

// The stored best for this CPU, the dispatched target and `threads`.
std::optional<double> StoredFmaPeak(int threads);

// Records `gflops` when it beats the stored value (a failure to write is
// a warning on stderr, never fatal).
void RecordFmaPeak(int threads, double gflops);

// The peaks a run divides by, for `threads` on the dispatched target:
// - FMA: with a stored value, a short probe (3 x 50 ms) verifies it and
//   the larger of the two is used; a probe below kPeakProbeFloor of the
//   stored value puts a reason in `noise` (the row is then noisy). Without
//   one, the full probe (5 x 100 ms), which is then stored.
// - Read bandwidth: measured now (it moves with other tenants of the host,
//   and a memory-bound row is divided by the bandwidth it met).
MachinePeaks MeasureGuardedPeaks(int threads);

inline constexpr double kPeakProbeFloor = 0.9;

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_PEAK_STORE_H_
