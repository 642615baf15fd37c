#include "harness/mask_rule.h"

#include <cstdio>
#include <cstdlib>

namespace attnbench {
namespace {

std::vector<MaskKindInfo>& Kinds() {
  static std::vector<MaskKindInfo> kinds;
  return kinds;
}

}  // namespace

int64_t MaskRule::CountVisible(int64_t h, int64_t p, int64_t nk) const {
  const KeyRange r = Bounds(h, p, nk);
  int64_t count = 0;
  for (int64_t j = r.begin; j < r.end; ++j) count += Weight(h, p, j) > 0.0;
  return count;
}

void MaskRule::Pieces(int64_t h, int64_t p0, int64_t p1, int64_t c0, int64_t c1,
                      std::vector<KeyPiece>& out) const {
  bool any = false, all_one = true;
  for (int64_t p = p0; p <= p1; ++p) {
    for (int64_t j = c0; j < c1; ++j) {
      const double w = Weight(h, p, j);
      any |= w > 0.0;
      all_one &= w == 1.0;
    }
  }
  if (!any) return;
  out.push_back({c0, c1, all_one ? TileKind::kFull : TileKind::kPartial});
}

void MaskRule::WeightRow(int64_t h, int64_t p, int64_t c0, int64_t n,
                         float* w) const {
  for (int64_t t = 0; t < n; ++t) {
    w[t] = static_cast<float>(Weight(h, p, c0 + t));
  }
}

bool RegisterMaskKind(MaskKindInfo info) {
  if (FindMaskKind(info.name) != nullptr) {
    std::fprintf(stderr, "attnbench: mask kind '%s' registered twice\n",
                 info.name.c_str());
    std::abort();
  }
  Kinds().push_back(std::move(info));
  return true;
}

const MaskKindInfo* FindMaskKind(std::string_view name) {
  for (const MaskKindInfo& k : Kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<const MaskKindInfo*> MaskKinds() {
  std::vector<const MaskKindInfo*> all;
  for (const MaskKindInfo& k : Kinds()) all.push_back(&k);
  std::sort(all.begin(), all.end(),
            [](auto* a, auto* b) { return a->name < b->name; });
  return all;
}

}  // namespace attnbench
