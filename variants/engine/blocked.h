// The blocked (flash-style) attention engine shared by the flash,
// sliding-window and adaptive-span variants: tiles of Br query rows x Bc
// keys, classified empty / full / partial by the mask (tiles.h), an online
// softmax per row, never the N x N scores. Dispatches to the best Highway
// target. Implementation: blocked.cc; kernels: kernels/flash_tile-inl.h.
#ifndef ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
#define ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_

#include <cstddef>
#include <cstdint>

#include "harness/problem.h"
#include "harness/variant.h"

namespace attnbench {

// Computes O for a validated problem with any mask, in the caller's oneTBB
// arena; key_block = Bc, or 0 for DefaultKeyBlock(D).
void RunBlocked(const Problem& problem, const Tensors& tensors,
                size_t key_block = 0);

// Bc for head dimension `dim`: K and V tiles (2 * Bc * D * 4 bytes = 128 KiB
// for D <= 128) plus the Bc x Br score tile stay well inside a 1 MiB L2 and
// are reused by every row of the query block. Measured in docs/flash.md.
size_t DefaultKeyBlock(int64_t dim);

// Br on the dispatched target: 2 vectors of rows where there are 32 vector
// registers (AVX3), else 1 (e.g. 32 rows on AVX3, 8 on AVX2).
size_t BlockedQueryRows();

}  // namespace attnbench

#endif  // ATTNBENCH_VARIANTS_ENGINE_BLOCKED_H_
