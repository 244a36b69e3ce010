# arbor_cc_library() / arbor_cc_test() / arbor_cc_benchmark(): the only way targets are declared,
# in the spirit of absl_cc_library. Each library lives in one folder, exposes
# include/arbor/<name>/*.h, and gets the alias arbor::<name>.

include_guard(GLOBAL)

# arbor_cc_library(NAME <name> SRCS <files...> [HDRS <files...>] [DEPS <targets...>]
#                  [PRIVATE_DEPS <targets...>])
# Creates target arbor_<name> with alias arbor::<name>. DEPS are PUBLIC (they appear in
# our headers); PRIVATE_DEPS are implementation details.
function(arbor_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target arbor_${ARG_NAME})
  add_library(${target} ${ARG_SRCS} ${ARG_HDRS})
  add_library(arbor::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} arbor_warnings)
endfunction()

# _arbor_use_test_pch(<target>)
# Every test target reuses ONE precompiled header, tests/support/pch/test_pch.h, built by the
# object library arbor_test_pch: gtest/gmock, gRPC, protobuf and Abseil were re-parsed by each
# of ~190 test files (their summed compile time fell from 2108 s to 1480 s per gcc pass;
# docs/development.md, "Build time").
# g++ accepts a PCH only when the flags that shape the headers match, so the owner gets the same
# warnings, -pthread (which defines _REENTRANT) and GTest definitions as the tests; CMake
# compiles users with -Winvalid-pch, so with -Werror (ci, asan) a PCH that stopped matching
# breaks the build instead of silently costing time. CMAKE_DISABLE_PRECOMPILE_HEADERS=ON turns
# it off.
function(_arbor_use_test_pch target)
  if(CMAKE_DISABLE_PRECOMPILE_HEADERS)
    return()
  endif()
  if(NOT TARGET arbor_test_pch)
    add_library(arbor_test_pch OBJECT ${PROJECT_SOURCE_DIR}/tests/support/pch/test_pch.cc)
    target_link_libraries(arbor_test_pch PRIVATE
      GTest::gmock GTest::gtest gRPC::grpc++ protobuf::libprotobuf absl::status absl::statusor
      absl::strings absl::str_format absl::synchronization absl::time absl::flat_hash_map
      arbor_warnings)
    target_compile_options(arbor_test_pch PRIVATE -pthread)
    target_precompile_headers(arbor_test_pch PRIVATE
      ${PROJECT_SOURCE_DIR}/tests/support/pch/test_pch.h)
  endif()
  target_compile_options(${target} PRIVATE -pthread)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 at -O2 reports its known false positives inside libstdc++'s inlined string code
    # (std::string("0x") + s: "__builtin_memcpy forming offset [32, N] is out of the bounds
    # [0, 32]", "writing 59 bytes into a region of size 16"). Without a PCH those locations count
    # as system headers and are silenced; from a PCH they are not, and 13 test files broke with
    # -Werror. Test code only: libraries and binaries keep these warnings, and the asan pass
    # checks the tests' bounds at run time.
    target_compile_options(${target} PRIVATE
      -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread)
  endif()
  target_precompile_headers(${target} REUSE_FROM arbor_test_pch)
endfunction()

# arbor_cc_test(NAME <name> SRCS <files...> DEPS <targets...> LABEL <unit|conformance|...>
#               PREFIX <ctest prefix>)
# One gtest binary; each TEST becomes a ctest test named <PREFIX>.<Suite>.<Case> with one
# label (CMake issue 17812: a list of labels silently keeps only the first).
# WHOLE_BINARY registers the binary as ONE ctest instead: for suites that share an expensive
# fixture per process (a real PostgreSQL cluster) where one process per case would multiply it.
function(arbor_cc_test)
  cmake_parse_arguments(ARG "WHOLE_BINARY" "NAME;LABEL;PREFIX" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main arbor_warnings)
  target_compile_definitions(${ARG_NAME} PRIVATE
    ARBOR_SHARED_DIR="${ARBOR_SHARED_DIR}"
    ARBOR_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  _arbor_use_test_pch(${ARG_NAME})
  if(ARG_WHOLE_BINARY)
    add_test(NAME ${ARG_PREFIX} COMMAND ${ARG_NAME})
    set_tests_properties(${ARG_PREFIX} PROPERTIES LABELS ${ARG_LABEL})
    return()
  endif()
  gtest_discover_tests(${ARG_NAME}
    TEST_PREFIX "${ARG_PREFIX}."
    PROPERTIES LABELS ${ARG_LABEL}
    DISCOVERY_TIMEOUT 60)
endfunction()

# arbor_cc_benchmark(NAME <name> SRCS <files...> DEPS <targets...>)
# A Google Benchmark binary. Benchmarks are never run by ctest (figures depend on the machine);
# scripts/bench.sh runs them and prints figures.
function(arbor_cc_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark arbor_warnings)
  target_compile_definitions(${ARG_NAME} PRIVATE
    ARBOR_SHARED_DIR="${ARBOR_SHARED_DIR}"
    ARBOR_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
endfunction()
