#include "harness/sweep/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace attnbench::sweep {

Progress::Progress(size_t total, size_t done)
    : total_(total),
      done_(done),
      tty_(isatty(fileno(stdout)) != 0),
      start_(std::chrono::steady_clock::now()) {}

std::string Progress::Counter() const {
  const int width = static_cast<int>(fmt::format("{}", total_).size());
  return fmt::format("[{:>{}}/{}]", done_ + 1, width, total_);
}

std::string Progress::Elapsed() const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::steady_clock::now() - start_)
                     .count();
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

void Progress::ClearStatus() {
  if (tty_ && status_shown_) std::fputs("\r\033[K", stdout);
  status_shown_ = false;
}

void Progress::Begin(const std::string& what) {
  if (!tty_) return;
  ClearStatus();
  fmt::print("{} {} elapsed, {} left: running {}", Counter(), Elapsed(),
             total_ - done_, what);
  std::fflush(stdout);
  status_shown_ = true;
}

void Progress::End(const std::string& result) {
  ClearStatus();
  fmt::print("{} {} {}\n", Counter(), Elapsed(), result);
  std::fflush(stdout);
  ++done_;
}

void Progress::Step() {
  ClearStatus();
  ++done_;
}

}  // namespace attnbench::sweep
