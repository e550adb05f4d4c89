# FEEDBENCH_FUZZ: libFuzzer targets for feedbench's parsers (fuzz/), built with clang's
# -fsanitize=fuzzer,address,undefined. Off by default; the default (gcc) build is unchanged.
# ci/fuzz.sh configures build-fuzz/ with it: cmake -DCMAKE_CXX_COMPILER=clang++ -DFEEDBENCH_FUZZ=ON
# Included before the layers are declared, so every layer's library is built instrumented
# (-fsanitize=fuzzer-no-link: coverage for the fuzzer, no second main).
option(FEEDBENCH_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(FEEDBENCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FEEDBENCH_FUZZ needs clang's libFuzzer: configure with "
                        "-DCMAKE_CXX_COMPILER=clang++ (Debian: clang-14, libclang-rt-14-dev)")
  endif()
  # A UBSan report aborts, so the fuzzer keeps it as a crash with its reproducer.
  set(FEEDBENCH_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                -fno-omit-frame-pointer)
  add_compile_options(-fsanitize=fuzzer-no-link ${FEEDBENCH_FUZZ_SANITIZERS} -g)
  add_link_options(${FEEDBENCH_FUZZ_SANITIZERS})
endif()
