# ATTNBENCH_ONLY_BEST_TARGET=ON: compile, besides the scalar fallback, only
# the widest Highway target this machine runs (AVX3 where /proc/cpuinfo
# lists avx512f, bw, dq and vl; else AVX2 where avx2, fma and bmi2; else
# SSE4 where sse4_2; else SSSE3). The sanitizer build (CMakePresets.json
# "asan") uses it: the release build compiles and tests every target, and
# the sanitizer build looks for memory errors in the code this machine
# runs, the test command staying within its 15 minutes. Highway's bits
# (hwy/detect_targets.h, 1.0.3): AVX3_DL 128, AVX3 256, AVX2 512, SSE4
# 2048, SSSE3 4096.
option(ATTNBENCH_ONLY_BEST_TARGET
  "compile only this machine's best Highway target and the scalar fallback"
  OFF)
if(ATTNBENCH_ONLY_BEST_TARGET)
  set(cpu_flags "")
  if(EXISTS /proc/cpuinfo)
    file(STRINGS /proc/cpuinfo cpu_flags REGEX "^flags" LIMIT_COUNT 1)
  endif()
  string(APPEND cpu_flags " ")
  function(attnbench_has_all out)
    set(all TRUE)
    foreach(flag IN LISTS ARGN)
      if(NOT cpu_flags MATCHES "[ \t]${flag} ")
        set(all FALSE)
      endif()
    endforeach()
    set(${out} ${all} PARENT_SCOPE)
  endfunction()
  attnbench_has_all(has_avx3 avx512f avx512bw avx512dq avx512vl)
  attnbench_has_all(has_avx2 avx2 fma bmi2)
  attnbench_has_all(has_sse4 sse4_2)
  if(has_avx3)
    set(best AVX3)
    set(disabled 6784)  # AVX3_DL, AVX2, SSE4, SSSE3
  elseif(has_avx2)
    set(best AVX2)
    set(disabled 6528)  # AVX3_DL, AVX3, SSE4, SSSE3
  elseif(has_sse4)
    set(best SSE4)
    set(disabled 4992)  # AVX3_DL, AVX3, AVX2, SSSE3
  else()
    set(best SSSE3)
    set(disabled 2944)  # AVX3_DL, AVX3, AVX2, SSE4
  endif()
  add_compile_definitions(HWY_DISABLED_TARGETS=${disabled})
  message(STATUS "ATTNBENCH_ONLY_BEST_TARGET: ${best} and the scalar "
                 "fallback (HWY_DISABLED_TARGETS=${disabled})")
endif()
