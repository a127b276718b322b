# Compiles every public header alone, as a one-line translation unit, with one compiler and one
# language standard. The headers (every *.h under INCLUDE_DIR/aap and INCLUDE_DIR/aapxs) are globbed
# when the test runs, so headers added later are covered without reconfiguring. Run by ctest (cmake -P); prints every header that fails
# together with the exact command line, and fails if any does.
#
# -D COMPILER=<path or empty>   compiler to use; empty means "not installed" (the test is skipped)
# -D COMPILER_NAME=<name>       for messages
# -D LANGUAGE=C|CXX
# -D STANDARD=<c99|c11|...>
# -D INCLUDE_DIR=<dir>          the include/ directory
# -D WORK_DIR=<dir>             scratch directory for the generated sources
# -D FLAGS=<;-separated flags>

if(NOT COMPILER)
  # Matched by the test's SKIP_REGULAR_EXPRESSION: reported as "Skipped", never as a pass.
  message("AAP_HEADER_CHECK_SKIPPED: ${COMPILER_NAME} is not installed; header checks with it were not run")
  return()
endif()

# *.hpp headers are C++ only: compiled in the C++ runs, not in the C ones.
file(GLOB_RECURSE headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/aap/*.h" "${INCLUDE_DIR}/aapxs/*.h")
if(LANGUAGE STREQUAL "CXX")
  file(GLOB_RECURSE cxx_headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/aap/*.hpp" "${INCLUDE_DIR}/aapxs/*.hpp")
  list(APPEND headers ${cxx_headers})
endif()
list(SORT headers)
if(NOT headers)
  message(FATAL_ERROR "no headers found under ${INCLUDE_DIR}/aap and ${INCLUDE_DIR}/aapxs")
endif()
if(LANGUAGE STREQUAL "C")
  set(extension c)
else()
  set(extension cpp)
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")

set(failures 0)
set(skipped 0)
foreach(header IN LISTS headers)
  # A C++17-only header (it says so with "#if __cplusplus < 201703L" + #error) is not compiled in
  # the C++11/14 runs; it is in the C++17/20 ones.
  if(LANGUAGE STREQUAL "CXX" AND STANDARD MATCHES "^(c|gnu)\\+\\+1[14]$")
    file(READ "${INCLUDE_DIR}/${header}" content)
    if(content MATCHES "__cplusplus < 201703L")
      math(EXPR skipped "${skipped} + 1")
      continue()
    endif()
  endif()
  string(MAKE_C_IDENTIFIER "${header}" id)
  set(source "${WORK_DIR}/${id}.${extension}")
  # The typedef keeps the translation unit non-empty for headers that only define macros
  # (ISO C forbids an empty translation unit).
  file(WRITE "${source}" "#include <${header}>\ntypedef int aap_header_check_${id};\n")
  set(command "${COMPILER}" "-std=${STANDARD}" ${FLAGS} "-I${INCLUDE_DIR}" -fsyntax-only "${source}")
  execute_process(COMMAND ${command} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    math(EXPR failures "${failures} + 1")
    string(REPLACE ";" " " command_line "${command}")
    message("FAILED: ${header} (${COMPILER_NAME} -std=${STANDARD})\n  command: ${command_line}\n${out}")
  endif()
endforeach()

list(LENGTH headers count)
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} of ${count} headers failed to compile alone with ${COMPILER_NAME} -std=${STANDARD}")
endif()
math(EXPR compiled "${count} - ${skipped}")
message("all ${compiled} headers compile alone with ${COMPILER_NAME} -std=${STANDARD} (${skipped} C++17-only headers not applicable)")
