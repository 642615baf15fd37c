// Whole-file writes that never leave a half-written file behind.
#ifndef ATTNBENCH_HARNESS_IO_ATOMIC_FILE_H_
#define ATTNBENCH_HARNESS_IO_ATOMIC_FILE_H_

#include <filesystem>
#include <string>

namespace attnbench {

// Writes `text` to `path` through a temporary file and a rename; throws
// InvalidArgument naming the file when it cannot be written.
void WriteFileAtomically(const std::filesystem::path& path,
                         const std::string& text);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_ATOMIC_FILE_H_
