// harness/npy: round trips and a one-line error for every kind of bad file.
#include "harness/io/npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "harness/contract/problem.h"
#include "harness/io/inputs.h"

namespace attnbench {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("attnbench_npy_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Npy, RoundTripsShapesAndBits) {
  for (const std::vector<int64_t>& shape :
       std::vector<std::vector<int64_t>>{{5}, {2, 3}, {1, 2, 7, 3}, {0, 4}}) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> data(static_cast<size_t>(n));
    FillNormal(data.data(), n, 3);
    const std::string path = TempPath("rt.npy");
    WriteNpy(path, shape, data.data());
    const NpyArray back = ReadNpy(path);
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.data, data);
    std::remove(path.c_str());
  }
}

void ExpectBad(const std::string& bytes, const std::string& expected) {
  const std::string path = TempPath("bad.npy");
  std::ofstream(path, std::ios::binary) << bytes;
  try {
    ReadNpy(path);
    ADD_FAILURE() << "accepted: " << expected;
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(expected), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
  std::remove(path.c_str());
}

std::string Header(const std::string& dict) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) +
         '\0' + h;
}

// float16 files: each value exactly (subnormal, largest, infinity), the
// file's kind recorded.
TEST(Npy, ReadsFloat16Exactly) {
  const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x0001,
                                      0x7BFF, 0xFC00, 0x3555};
  std::string data(reinterpret_cast<const char*>(bits.data()),
                   bits.size() * sizeof(uint16_t));
  const std::string path = TempPath("f16.npy");
  std::ofstream(path, std::ios::binary)
      << Header("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }") +
             data;
  const NpyArray a = ReadNpy(path);
  std::remove(path.c_str());
  EXPECT_TRUE(a.float16);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  const std::vector<float> expected = {1.0f,     -2.0f,      0x1.0p-24f,
                                       65504.0f, -HUGE_VALF, 0x1.554p-2f};
  EXPECT_EQ(a.data, expected);
  ExpectBad(
      Header("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }") +
          std::string(6, '\0'),
      "truncated data");
}

TEST(Npy, RejectsBadFilesNamingWhatIsWrong) {
  ExpectBad("hello, not numpy", "not an .npy file");
  ExpectBad(
      Header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }") +
          std::string(16, '\0'),
      "dtype '<f8' is not supported");
  ExpectBad(
      Header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }") +
          std::string(16, '\0'),
      "Fortran order");
  ExpectBad(
      Header("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }") +
          std::string(20, '\0'),
      "truncated data");
  ExpectBad(std::string("\x93NUMPY\x09\x00", 8) + "xx", "version 9");
  ExpectBad(
      Header("{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,), }") +
          std::string(8, '\0'),
      "fortran_order is 'False'; allowed: True or False");
  ExpectBad(
      Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }") +
          std::string(12, '\0'),
      "4 bytes after the data");
}

// Shapes whose element count wraps past 2^64 (2^32 x 2^32 = 0 mod 2^64),
// or whose byte count does (2^62 x 4 bytes), are truncated data, not an
// allocation of the wrapped size.
TEST(Npy, RejectsShapesWhoseSizeWrapsAround) {
  ExpectBad(Header("{'descr': '<f4', 'fortran_order': False, 'shape': "
                   "(4294967296, 4294967296, 1, 1), }") +
                std::string(256, '\0'),
            "truncated data");
  ExpectBad(Header("{'descr': '<f4', 'fortran_order': False, 'shape': "
                   "(1, 1, 4611686018427387904, 1), }") +
                std::string(256, '\0'),
            "truncated data");
  ExpectBad(Header("{'descr': '<f2', 'fortran_order': False, 'shape': "
                   "(9223372036854775807, 3), }") +
                std::string(256, '\0'),
            "truncated data");
}

}  // namespace
}  // namespace attnbench
