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
