// Progress of a sweep on the terminal: what runs now, how many are left and
// the time so far on a status line that is rewritten in place, and one
// permanent line per finished configuration. When the output is not a
// terminal, only the permanent lines.
#ifndef ATTNBENCH_HARNESS_SWEEP_PROGRESS_H_
#define ATTNBENCH_HARNESS_SWEEP_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <string>

namespace attnbench::sweep {

class Progress {
 public:
  // `done` of `total` configurations were finished by an earlier session.
  Progress(size_t total, size_t done);
  void Begin(const std::string& what);
  void End(const std::string& result);
  // Counts a step done without a line (a sweep round before the last).
  void Step();

 private:
  std::string Counter() const;
  std::string Elapsed() const;
  void ClearStatus();

  size_t total_, done_;
  bool tty_;
  bool status_shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace attnbench::sweep

#endif  // ATTNBENCH_HARNESS_SWEEP_PROGRESS_H_
