// The precision of the input tensors (`--dtype f32|bf16|f16`): Q, K and V
// are made (generated, or read from .npy) in fp32 and then rounded to the
// nearest value of the chosen type, ties to even. A variant that reads half
// precision (Variant::ReadsHalfPrecision) gets them stored in the type
// (StoreHalf); the others get the rounded values in fp32 (every bf16 and
// fp16 value is exactly an fp32 value). docs/semantics.md "Input
// precision" says what each row reports.
#ifndef ATTNBENCH_HARNESS_IO_DTYPE_H_
#define ATTNBENCH_HARNESS_IO_DTYPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/contract/dtype.h"

namespace attnbench {

struct AttentionData;
struct Problem;
class Variant;

// The names --dtype takes: f32, bf16, f16.
const std::vector<std::string>& DTypeNames();

// One of DTypeNames(); InvalidArgument naming the allowed values.
DType ParseDType(std::string_view name);
std::string DTypeName(DType dtype);

// The nearest bfloat16 value (8 exponent bits, 7 fraction bits), ties to
// even. NaN stays NaN (quiet), infinities stay; a finite value that rounds
// past the largest bfloat16 (about 3.39e38) becomes an infinity.
float RoundToBf16(float x);

// The nearest IEEE binary16 value (5 exponent bits, 10 fraction bits),
// ties to even, subnormals down to 2^-24 included. NaN stays NaN, and
// |x| >= 65520 (past the largest value, 65504, by half an ulp) becomes an
// infinity of the same sign, as IEEE rounding does.
float RoundToF16(float x);

float RoundTo(DType dtype, float x);

// Rounds Q, K and V of `data` in place (O is untouched); f32: nothing.
void RoundInputs(AttentionData& data, DType dtype);

// Stores Q, K and V of `data`, already rounded to `dtype` (bf16 or f16),
// in that type too (data.q16, k16, v16), exactly; f32 frees those copies.
void StoreHalf(AttentionData& data, DType dtype);

// The element type a variant gets Q, K and V in for inputs of `dtype`:
// dtype itself if the variant reads half precision, else f32.
DType StorageFor(const Variant& variant, DType dtype);

// `problem` as `variant` runs it for inputs of `dtype`: Problem::storage
// is StorageFor(variant, dtype). Its minimal K/V bytes (MinimalKvBytes)
// and bound (BoundBy) follow.
Problem StoredProblem(const Variant& variant, const Problem& problem,
                      DType dtype);

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_IO_DTYPE_H_
