#include "harness/io/atomic_file.h"

#include <fmt/format.h>

#include <fstream>
#include <system_error>

#include "harness/contract/problem.h"

namespace attnbench {

void WriteFileAtomically(const std::filesystem::path& path,
                         const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      throw InvalidArgument(fmt::format("cannot write {}", tmp.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) {
    throw InvalidArgument(
        fmt::format("cannot write {}: {}", path.string(), error.message()));
  }
}

void RequireWritableDir(const std::filesystem::path& dir,
                        const std::string& option) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (!error && !std::filesystem::is_directory(dir, error)) {
    error = std::make_error_code(std::errc::not_a_directory);
  }
  if (error) {
    throw InvalidArgument(
        fmt::format("{} {}: cannot create the directory ({}); allowed: a "
                    "writable directory",
                    option, dir.string(), error.message()));
  }
  const std::filesystem::path probe = dir / ".attnbench_write_probe";
  {
    std::ofstream out(probe, std::ios::trunc);
    out << "x";
    out.flush();
    if (!out) {
      throw InvalidArgument(fmt::format(
          "{} {}: cannot write in the directory; allowed: a writable "
          "directory",
          option, dir.string()));
    }
  }
  std::filesystem::remove(probe, error);
}

}  // namespace attnbench
