// Scratch memory that variants allocate while they run, counted so that the
// harness reports the measured peak workspace (bytes beyond Q, K, V and O).
#ifndef ATTNBENCH_HARNESS_CONTRACT_WORKSPACE_H_
#define ATTNBENCH_HARNESS_CONTRACT_WORKSPACE_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "hwy/aligned_allocator.h"

namespace attnbench {

// Process-wide count of live scratch bytes and their high-water mark.
class WorkspaceMeter {
 public:
  static void Allocated(size_t bytes);
  static void Freed(size_t bytes);
  // Sets the high-water mark to the bytes live now.
  static void ResetPeak();
  static size_t Peak();
  static size_t Live();
};

// An aligned array of n T's whose bytes count towards WorkspaceMeter.
template <typename T>
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  // n may be 0 (no allocation).
  explicit ScratchBuffer(size_t n)
      : data_(n != 0 ? hwy::AllocateAligned<T>(n) : nullptr), size_(n) {
    if (n != 0 && !data_) throw std::bad_alloc();
    WorkspaceMeter::Allocated(n * sizeof(T));
  }
  ScratchBuffer(ScratchBuffer&& other) noexcept
      : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}
  ScratchBuffer& operator=(ScratchBuffer&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = std::move(other.data_);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~ScratchBuffer() { Release(); }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  void Release() {
    if (size_ != 0) WorkspaceMeter::Freed(size_ * sizeof(T));
    data_.reset();
    size_ = 0;
  }

  hwy::AlignedFreeUniquePtr<T[]> data_;
  size_t size_ = 0;
};

}  // namespace attnbench

#endif  // ATTNBENCH_HARNESS_CONTRACT_WORKSPACE_H_
