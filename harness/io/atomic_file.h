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

// Creates directory `dir` (and its parents) if needed and checks that a
// file can be written in it; throws InvalidArgument naming `option` and
// the directory otherwise. Called before anything is measured, so that a
// bad output path costs no measurement.
void RequireWritableDir(const std::filesystem::path& dir,
                        const std::string& option);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_ATOMIC_FILE_H_
