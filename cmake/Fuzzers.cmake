# libFuzzer targets of the build machine's sanitizer build (PPC_KVM_SHIM_FUZZ, clang only).
# Every object of that build carries libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link), so each fuzzer links the project's libraries as they are: the
# shared code is compiled once for all targets and for the unit tests.
#
# ppc_kvm_shim_fuzzer(NAME SOURCES ... LIBS ...) builds NAME_fuzzer and registers fuzz.NAME:
# tests/fuzz/run-fuzzer.sh replays the seed corpus tests/fuzz/seeds/NAME (the seeds must exist:
# a fuzzer that starts from nothing reaches little in a few seconds) and then fuzzes for
# PPC_KVM_SHIM_FUZZ_SECONDS.
set(PPC_KVM_SHIM_FUZZ_SECONDS 8 CACHE STRING "How long each fuzz.* test fuzzes after replaying its seeds")

function(ppc_kvm_shim_fuzzer name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT IS_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/fuzz/seeds/${name})
    message(FATAL_ERROR "fuzzer ${name}: no seed corpus in tests/fuzz/seeds/${name}")
  endif()
  add_executable(${name}_fuzzer ${arg_SOURCES})
  target_link_libraries(${name}_fuzzer PRIVATE ${arg_LIBS})
  target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name}_fuzzer PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzzers)
  add_test(NAME fuzz.${name}
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fuzz/run-fuzzer.sh --binary $<TARGET_FILE:${name}_fuzzer>
                   ${name} ${PPC_KVM_SHIM_FUZZ_SECONDS})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS "unit;fuzz" TIMEOUT 300)
endfunction()
