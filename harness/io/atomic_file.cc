#include "harness/io/atomic_file.h"

#include <fmt/format.h>

#include <fstream>

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
  std::filesystem::rename(tmp, path);
}

}  // namespace attnbench
