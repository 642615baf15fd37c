#include "harness/io/npy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/contract/problem.h"
#include "harness/io/atomic_file.h"
#include "kernels/half.h"

namespace attnbench {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

[[noreturn]] void Bad(const std::string& path, const std::string& why) {
  throw InvalidArgument(fmt::format("{}: {}", path, why));
}

// The value text of 'key' in the header dict, e.g. "'<f4'" or "(2, 3)".
std::string HeaderValue(const std::string& header, const std::string& key,
                        const std::string& path) {
  const size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) Bad(path, "the .npy header has no " + key);
  size_t start = header.find(':', at);
  if (start == std::string::npos) Bad(path, "malformed .npy header");
  ++start;
  while (start < header.size() && header[start] == ' ') ++start;
  size_t end = start;
  if (end < header.size() && header[end] == '(') {
    end = header.find(')', end);
    if (end == std::string::npos) Bad(path, "malformed shape in .npy header");
    ++end;
  } else {
    end = header.find_first_of(",}", end);
  }
  return header.substr(start, end - start);
}

std::vector<int64_t> ParseShape(const std::string& text,
                                const std::string& path) {
  std::vector<int64_t> shape;
  size_t i = 1;  // after '('
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    size_t used = 0;
    int64_t dim = -1;
    try {
      dim = std::stoll(text.substr(i), &used);
    } catch (...) {
      Bad(path, "malformed shape " + text + " in .npy header");
    }
    if (dim < 0) Bad(path, "negative dimension in shape " + text);
    shape.push_back(dim);
    i += used;
  }
  return shape;
}

}  // namespace

NpyArray ReadNpy(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    Bad(path, "is a directory; allowed: a .npy file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Bad(path, "cannot open the file");
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) {
    Bad(path, "not an .npy file (no \\x93NUMPY magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) Bad(path, "truncated .npy header");
    header_len = 0;
    for (int b = 0; b < 4; ++b) {
      header_len |=
          static_cast<size_t>(static_cast<unsigned char>(bytes[8 + b]))
          << (8 * b);
    }
    header_start = 12;
  } else {
    Bad(path, fmt::format(".npy format version {} is not supported; allowed: "
                          "1, 2, 3",
                          major));
  }
  if (bytes.size() < header_start + header_len) {
    Bad(path, "truncated .npy header");
  }
  const std::string header = bytes.substr(header_start, header_len);
  const std::string descr = HeaderValue(header, "descr", path);
  const bool f16 = descr == "'<f2'" || descr == "'float16'";
  if (!f16 && descr != "'<f4'" && descr != "'float32'") {
    Bad(path, fmt::format("dtype {} is not supported; allowed: float32 or "
                          "float16, little-endian ('<f4', '<f2')",
                          descr));
  }
  const std::string fortran = HeaderValue(header, "fortran_order", path);
  if (fortran == "True") {
    Bad(path,
        "Fortran order is not supported; allowed: C order (save with "
        "np.ascontiguousarray)");
  }
  if (fortran != "False") {
    Bad(path, fmt::format("fortran_order is {}; allowed: True or False "
                          "(unquoted)",
                          fortran));
  }
  NpyArray array;
  array.shape = ParseShape(HeaderValue(header, "shape", path), path);
  const size_t data_start = header_start + header_len;
  const size_t held = bytes.size() - data_start;
  const size_t element = f16 ? sizeof(uint16_t) : sizeof(float);
  // The element count is checked against the bytes the file holds at each
  // step, so a forged shape cannot wrap the product past 2^64.
  const bool empty =
      std::find(array.shape.begin(), array.shape.end(), 0) != array.shape.end();
  size_t count = empty ? 0 : 1;
  bool fits = true;
  for (int64_t extent : array.shape) {
    if (empty || !fits) break;
    if (count > held / element / static_cast<size_t>(extent)) fits = false;
    count *= static_cast<size_t>(extent);
  }
  if (!fits || count * element > held) {
    Bad(path, fmt::format("truncated data: shape ({}) needs more bytes than "
                          "the {} the file holds",
                          fmt::join(array.shape, ", "), held));
  }
  const size_t need = count * element;
  if (held != need) {
    Bad(path, fmt::format("{} bytes after the data of shape ({}); allowed: "
                          "exactly {} data bytes",
                          held - need, fmt::join(array.shape, ", "), need));
  }
  array.data.resize(static_cast<size_t>(count));
  array.float16 = f16;
  if (f16) {  // binary16 values are exactly fp32 values
    for (size_t i = 0; i < array.data.size(); ++i) {
      uint16_t bits;
      std::memcpy(&bits, bytes.data() + data_start + 2 * i, sizeof bits);
      array.data[i] = FloatFromF16Bits(bits);
    }
  } else if (need != 0) {  // an empty vector's data() may be null
    std::memcpy(array.data.data(), bytes.data() + data_start, need);
  }
  return array;
}

void WriteNpy(const std::string& path, const std::vector<int64_t>& shape,
              const float* data) {
  std::string dims;
  int64_t count = 1;
  for (int64_t extent : shape) {
    dims += fmt::format("{}, ", extent);
    count *= extent;
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(2, 3)"; "(5,)"
  std::string header = fmt::format(
      "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", dims);
  // Version 1.0: magic, 2 version bytes, 2 length bytes, header padded with
  // spaces and ending in '\n' so that the data starts at a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string bytes(kMagic, 6);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  if (count != 0) {
    bytes.append(reinterpret_cast<const char*>(data),
                 static_cast<size_t>(count) * sizeof(float));
  }
  WriteFileAtomically(path, bytes);
}

}  // namespace attnbench
