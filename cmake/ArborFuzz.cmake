# arbor_cc_fuzzer(NAME <name> SRCS <files...> DEPS <targets...> CORPUS <dir>)
#
# A fuzz target defines LLVMFuzzerTestOneInput.
#  - In every build it is linked with a small corpus runner as <name>_corpus and registered as
#    ctest "fuzz.<name>.corpus" (label "fuzz"), which feeds it every file of its seed corpus:
#    the corpus is a regression suite even where libFuzzer is unavailable (g++).
#  - With -DARBOR_FUZZ=ON (clang, preset "fuzz") it also becomes a libFuzzer binary <name> and a
#    ctest "fuzzrun.<name>" (label "fuzzrun") that fuzzes from the seed corpus: for
#    ARBOR_FUZZ_SECONDS seconds if that is > 0, else for ARBOR_FUZZ_RUNS inputs with a fixed
#    seed (deterministic; what CI runs). New inputs go to a scratch dir in the build tree, never
#    into the checked-in corpus.
include_guard(GLOBAL)

set(ARBOR_FUZZ_RUNS 200000 CACHE STRING "Inputs per libFuzzer target in the fuzzrun tests")
set(ARBOR_FUZZ_SECONDS 0 CACHE STRING "If > 0, fuzz each target this long instead of ARBOR_FUZZ_RUNS")

function(arbor_cc_fuzzer)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME}_corpus ${ARG_SRCS} ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_runner_main.cc)
  target_link_libraries(${ARG_NAME}_corpus PRIVATE ${ARG_DEPS} arbor_warnings)
  add_test(NAME fuzz.${ARG_NAME}.corpus COMMAND ${ARG_NAME}_corpus ${ARG_CORPUS})
  set_tests_properties(fuzz.${ARG_NAME}.corpus PROPERTIES LABELS fuzz)
  if(ARBOR_FUZZ)
    add_executable(${ARG_NAME} ${ARG_SRCS})
    target_compile_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} arbor_warnings)
    # One target builds every fuzzer (scripts/fuzz.sh), without the rest of the tree.
    if(NOT TARGET arbor_fuzzers)
      add_custom_target(arbor_fuzzers)
    endif()
    add_dependencies(arbor_fuzzers ${ARG_NAME})
    set(scratch ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_scratch)
    file(MAKE_DIRECTORY ${scratch})
    if(ARBOR_FUZZ_SECONDS GREATER 0)
      set(budget -max_total_time=${ARBOR_FUZZ_SECONDS})
    else()
      set(budget -runs=${ARBOR_FUZZ_RUNS} -seed=1)
    endif()
    add_test(NAME fuzzrun.${ARG_NAME}
             COMMAND ${ARG_NAME} ${budget} -print_final_stats=1 ${scratch} ${ARG_CORPUS})
    set_tests_properties(fuzzrun.${ARG_NAME} PROPERTIES LABELS fuzzrun)
  endif()
endfunction()
