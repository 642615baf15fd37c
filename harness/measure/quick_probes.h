// Quick probes, for the test suite: with ATTNBENCH_QUICK_PROBES=1 in the
// environment the FMA peak probe runs once for a few milliseconds and the
// read-bandwidth probe reads a small buffer (which the caches hold) once,
// and nothing is stored in the peak record. The test suite's command-line
// runs check code paths and formats, not figures, and a full probe before
// each of them (about 0.3 s, and 1.8 s under the sanitizers) was most of
// the test command's time. A row measured so says "probes": "quick"; its
// pct_peak and pct_bandwidth mean nothing.
#ifndef ATTNBENCH_HARNESS_MEASURE_QUICK_PROBES_H_
#define ATTNBENCH_HARNESS_MEASURE_QUICK_PROBES_H_

namespace attnbench {

// Whether ATTNBENCH_QUICK_PROBES is "1" (read once).
bool QuickProbes();

// What rows and meta.json say: "quick" or "full".
const char* ProbeDepthName();

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_MEASURE_QUICK_PROBES_H_
