#include "harness/io/inputs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "harness/io/atomic_file.h"
#include "harness/io/huge_pages.h"
#include "harness/io/npy.h"

namespace attnbench {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// [B, X, Y, D] -> [B, Y, X, D].
void SwapMiddle(const float* src, float* dst, int64_t b, int64_t x, int64_t y,
                int64_t dim) {
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t a = 0; a < x; ++a) {
      for (int64_t c = 0; c < y; ++c) {
        std::copy_n(src + ((i * x + a) * y + c) * dim, dim,
                    dst + ((i * y + c) * x + a) * dim);
      }
    }
  }
}

}  // namespace

void FillUniform(float* x, int64_t n, uint64_t seed) {
  uint64_t state = seed;
  for (int64_t i = 0; i < n; ++i) {
    // 24 random bits -> a float in [0, 1) exactly, then to [-1, 1).
    const float u = static_cast<float>(SplitMix64(state) >> 40) * 0x1.0p-24f;
    x[i] = 2.0f * u - 1.0f;
  }
}

void FillNormal(float* x, int64_t n, uint64_t seed) {
  uint64_t state = seed;
  for (int64_t i = 0; i < n; i += 2) {
    // Box-Muller on two uniforms, u1 in (0, 1], u2 in [0, 1).
    const double u1 =
        static_cast<double>((SplitMix64(state) >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    x[i] = static_cast<float>(r * std::cos(2.0 * M_PI * u2));
    if (i + 1 < n) x[i + 1] = static_cast<float>(r * std::sin(2.0 * M_PI * u2));
  }
}

std::string_view DistributionName(Distribution dist) {
  switch (dist) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kNormal:
      return "normal";
    case Distribution::kPeaked:
      return "peaked";
    case Distribution::kOutliers:
      return "outliers";
  }
  return "?";
}

Distribution ParseDistribution(std::string_view text) {
  for (Distribution dist : kAllDistributions) {
    if (text == DistributionName(dist)) return dist;
  }
  throw InvalidArgument(fmt::format(
      "distribution '{}' is not known; allowed: uniform, normal, peaked, "
      "outliers",
      text));
}

int64_t AttentionData::Bytes(DType storage) const {
  const int64_t in = ElementBytes(storage);
  return in * (shape.QElements() + 2 * shape.KVElements()) +
         static_cast<int64_t>(sizeof(float)) * shape.QElements();
}

namespace {

// Decode streams K and V from memory: with 4 KiB pages a page walk every
// 4 KiB held it to 0.6 of the read bandwidth at Nk=131072.
template <typename T>
hwy::AlignedFreeUniquePtr<T[]> AllocateTensor(int64_t n) {
  return AllocateOnHugePages<T>(static_cast<size_t>(n));
}

}  // namespace

void RequireFp32Scores(const AttentionData& data, double scale,
                       const std::string& what) {
  const auto largest = [](const float* x, int64_t n) {
    double m = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      if (std::isfinite(x[i])) m = std::max(m, std::fabs(double{x[i]}));
    }
    return m;
  };
  const Shape& s = data.shape;
  const double bound = std::fabs(scale) * static_cast<double>(s.D) *
                       largest(data.q.get(), s.QElements()) *
                       largest(data.k.get(), s.KVElements());
  if (bound > 1e37) {
    throw InvalidArgument(fmt::format(
        "{}: |scale q.k| can reach {:.3g}, beyond what fp32 scores hold "
        "(3.4e38); allowed: scale * D * max|q| * max|k| <= 1e37",
        what, bound));
  }
  // The unnormalised output sums up to Nk weights of at most 1 times V.
  const double sums =
      static_cast<double>(s.Nk) * largest(data.v.get(), s.KVElements());
  if (sums > 1e37) {
    throw InvalidArgument(fmt::format(
        "{}: the output's fp32 sums of Nk = {} weighted values can reach "
        "{:.3g} (3.4e38 is fp32's largest); allowed: Nk * max|v| <= 1e37",
        what, s.Nk, sums));
  }
}

hwy::AlignedFreeUniquePtr<uint16_t[]> AllocateHalfTensor(int64_t n) {
  return AllocateTensor<uint16_t>(n);
}

Tensors AttentionData::ViewAs(DType storage) const {
  if (storage == DType::kF32) return View();
  Tensors t;
  t.o = o.get();
  t.q16 = q16.get();
  t.k16 = k16.get();
  t.v16 = v16.get();
  return t;
}

AttentionData AllocateData(const Shape& shape) {
  AttentionData data;
  data.shape = shape;
  const int64_t nq = shape.QElements();
  const int64_t nkv = shape.KVElements();
  data.q = AllocateTensor<float>(nq);
  data.k = AllocateTensor<float>(nkv);
  data.v = AllocateTensor<float>(nkv);
  data.o = AllocateTensor<float>(nq);
  std::fill(data.o.get(), data.o.get() + nq, 0.0f);
  return data;
}

AttentionData MakeInputs(const Shape& shape, uint64_t seed, Distribution dist) {
  AttentionData data = AllocateData(shape);
  const int64_t nq = shape.QElements();
  const int64_t nkv = shape.KVElements();
  if (dist == Distribution::kUniform) {
    FillUniform(data.q.get(), nq, seed * 4 + 1);
    FillUniform(data.k.get(), nkv, seed * 4 + 2);
    FillUniform(data.v.get(), nkv, seed * 4 + 3);
    return data;
  }
  FillNormal(data.q.get(), nq, seed * 4 + 1);
  FillNormal(data.k.get(), nkv, seed * 4 + 2);
  FillNormal(data.v.get(), nkv, seed * 4 + 3);
  if (dist == Distribution::kPeaked) {
    for (int64_t i = 0; i < nq; ++i) data.q[i] *= 8.0f;
  } else if (dist == Distribution::kOutliers) {
    // Outlier channels, the same in every row of K and V.
    std::vector<float> gain(static_cast<size_t>(shape.D), 1.0f);
    uint64_t state = seed * 4 + 4;
    const int64_t count = std::max<int64_t>(1, shape.D / 32);
    for (int64_t c = 0; c < count; ++c) {
      gain[SplitMix64(state) % static_cast<uint64_t>(shape.D)] = 100.0f;
    }
    for (int64_t i = 0; i < nkv; ++i) {
      data.k[i] *= gain[static_cast<size_t>(i % shape.D)];
      data.v[i] *= gain[static_cast<size_t>(i % shape.D)];
    }
  }
  return data;
}

Layout ParseLayout(std::string_view text) {
  if (text == "bhnd") return Layout::kBhnd;
  if (text == "bnhd") return Layout::kBnhd;
  throw InvalidArgument(
      fmt::format("layout '{}' is not known; allowed: bhnd, bnhd", text));
}

AttentionData LoadInputs(const std::string& dir, Layout layout) {
  const auto load = [&](const char* name) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    NpyArray a = ReadNpy(path);
    if (a.shape.size() != 4) {
      throw InvalidArgument(
          fmt::format("{}: shape ({}) has {} dimensions; allowed: 4 ({})", path,
                      fmt::join(a.shape, ", "), a.shape.size(),
                      layout == Layout::kBhnd ? "B, H, N, D" : "B, N, H, D"));
    }
    if (layout == Layout::kBnhd) std::swap(a.shape[1], a.shape[2]);
    return std::make_pair(path, std::move(a));
  };
  auto [q_path, q] = load("q.npy");
  auto [k_path, k] = load("k.npy");
  auto [v_path, v] = load("v.npy");
  for (const auto& [path, a] : {std::pair{&q_path, &q}, std::pair{&k_path, &k},
                                std::pair{&v_path, &v}}) {
    for (int64_t extent : a->shape) {
      if (extent < 1) {
        throw InvalidArgument(fmt::format(
            "{}: shape ({}) has an empty dimension; allowed: every extent "
            ">= 1",
            *path, fmt::join(a->shape, ", ")));
      }
    }
  }
  if (k.shape != v.shape) {
    throw InvalidArgument(fmt::format(
        "{}: shape ({}) differs from {} ({}); allowed: K and V alike", v_path,
        fmt::join(v.shape, ", "), k_path, fmt::join(k.shape, ", ")));
  }
  if (q.shape[0] != k.shape[0] || q.shape[3] != k.shape[3]) {
    throw InvalidArgument(fmt::format(
        "{}: batch and head dimension ({}, {}) differ from {} ({}, {})", q_path,
        q.shape[0], q.shape[3], k_path, k.shape[0], k.shape[3]));
  }
  Shape s{q.shape[0], q.shape[1], k.shape[1],
          q.shape[2], k.shape[2], q.shape[3]};
  AttentionData data = AllocateData(s);
  const auto place = [&](const NpyArray& a, float* dst, int64_t heads,
                         int64_t n) {
    if (layout == Layout::kBhnd) {
      std::copy(a.data.begin(), a.data.end(), dst);
    } else {  // file [B, N, H, D]
      SwapMiddle(a.data.data(), dst, s.B, n, heads, s.D);
    }
  };
  place(q, data.q.get(), s.H, s.Nq);
  place(k, data.k.get(), s.Hkv, s.Nk);
  place(v, data.v.get(), s.Hkv, s.Nk);
  return data;
}

std::vector<float> LoadOutput(const std::string& path, const Shape& s,
                              Layout layout) {
  NpyArray a = ReadNpy(path);
  const std::vector<int64_t> want =
      layout == Layout::kBhnd ? std::vector<int64_t>{s.B, s.H, s.Nq, s.D}
                              : std::vector<int64_t>{s.B, s.Nq, s.H, s.D};
  if (a.shape != want) {
    throw InvalidArgument(fmt::format(
        "{}: shape ({}) does not match the output of the inputs ({})", path,
        fmt::join(a.shape, ", "), fmt::join(want, ", ")));
  }
  if (layout == Layout::kBhnd) return std::move(a.data);
  std::vector<float> o(a.data.size());
  SwapMiddle(a.data.data(), o.data(), s.B, s.Nq, s.H, s.D);
  return o;
}

namespace {

// Writes dir/name from [B, heads, n, D] in memory, in the file layout.
void SaveOne(const std::string& dir, const char* name, const Shape& s,
             Layout layout, const float* src, int64_t heads, int64_t n) {
  const std::string path = (std::filesystem::path(dir) / name).string();
  if (layout == Layout::kBhnd) {
    WriteNpy(path, {s.B, heads, n, s.D}, src);
    return;
  }
  std::vector<float> t(static_cast<size_t>(s.B * heads * n * s.D));
  SwapMiddle(src, t.data(), s.B, heads, n, s.D);
  WriteNpy(path, {s.B, n, heads, s.D}, t.data());
}

}  // namespace

void SaveGradients(const std::string& dir, const Shape& s, Layout layout,
                   const float* d_out, const float* dq, const float* dk,
                   const float* dv) {
  RequireWritableDir(dir, "--save");
  SaveOne(dir, "do.npy", s, layout, d_out, s.H, s.Nq);
  SaveOne(dir, "dq.npy", s, layout, dq, s.H, s.Nq);
  SaveOne(dir, "dk.npy", s, layout, dk, s.Hkv, s.Nk);
  SaveOne(dir, "dv.npy", s, layout, dv, s.Hkv, s.Nk);
}

void SaveTensors(const std::string& dir, const AttentionData& data,
                 Layout layout, bool with_inputs) {
  RequireWritableDir(dir, "--save");
  const Shape& s = data.shape;
  const auto save = [&](const char* name, const float* src, int64_t heads,
                        int64_t n) {
    SaveOne(dir, name, s, layout, src, heads, n);
  };
  save("o.npy", data.o.get(), s.H, s.Nq);
  if (with_inputs) {
    save("q.npy", data.q.get(), s.H, s.Nq);
    save("k.npy", data.k.get(), s.Hkv, s.Nk);
    save("v.npy", data.v.get(), s.Hkv, s.Nk);
  }
}

}  // namespace attnbench
