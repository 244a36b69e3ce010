# arbor_cc_fuzzer(NAME <name> SRCS <files...> DEPS <targets...> CORPUS <dir>)
#
# A fuzz target defines LLVMFuzzerTestOneInput. With -DARBOR_FUZZ=ON (clang, preset "fuzz")
# it becomes a libFuzzer binary. In every build it is also linked with a small corpus runner
# and registered as a ctest test (label "fuzz") that feeds it every file of its seed corpus,
# so the corpus is a regression suite even where libFuzzer is unavailable (g++).
include_guard(GLOBAL)

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
  endif()
endfunction()
