// NumPy .npy files (format versions 1.0 to 3.0): float32 (read and
// written) or float16 (read, each value exactly as fp32), C order. Reading
// checks everything and throws InvalidArgument naming the file and what is
// wrong (not an .npy file, wrong dtype, Fortran order, truncated data);
// writing goes through a temporary file and a rename.
#ifndef ATTNBENCH_HARNESS_IO_NPY_H_
#define ATTNBENCH_HARNESS_IO_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace attnbench {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;  // C order, product(shape) values
  bool float16 = false;     // the file held float16 values
};

NpyArray ReadNpy(const std::string& path);

void WriteNpy(const std::string& path, const std::vector<int64_t>& shape,
              const float* data);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_NPY_H_
