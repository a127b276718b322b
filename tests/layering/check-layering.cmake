# Fails when a source file includes a header of a layer above its own.
#
#   include (0) <- runtime (1) <- ext (2) <- hosting (3) <- tools (4)
#   examples see include/ only (they are what a plugin author writes against the vendored headers)
#   tests/ and benchmarks/ are exempt (they test every layer)
#
# A file's layer is its top-level directory. Every #include "x" / #include <x> of a .h/.hpp/.c/.cpp
# file is resolved the way the build resolves it: first next to the including file, then in the
# SDK's include directories (include/, runtime/include, runtime/rt-guard/include, ext/include,
# hosting/include, hosting/catalog/include), then in the including file's own top-level directory
# (a tool's or an example's private headers). An include that resolves nowhere in the tree is a
# system or third-party header and is not checked.
#
# Usage: cmake -D ROOT=<source tree> -P check-layering.cmake
# Prints one line per violation, "file:line: <layer> includes <header> (<layer>)", and fails if
# there is any.

cmake_policy(SET CMP0057 NEW)  # if(IN_LIST)

if(NOT ROOT)
  message(FATAL_ERROR "check-layering: pass -D ROOT=<source tree>")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

set(_layers include runtime ext hosting tools examples)
set(_rank_include 0)
set(_rank_runtime 1)
set(_rank_ext 2)
set(_rank_hosting 3)
set(_rank_tools 4)

# Which layers a file of each layer may include.
set(_allowed_include include)
set(_allowed_runtime include runtime)
set(_allowed_ext include runtime ext)
set(_allowed_hosting include runtime ext hosting)
set(_allowed_tools include runtime ext hosting tools)
set(_allowed_examples include examples)

# Host-side code that lives among the examples because it belongs to the extension it shows: the
# peak-meter proxy is what a HOST links (an aap::ext client), not plugin code. Each entry: a path
# prefix relative to ROOT, and the layers it may use.
set(_exception_prefixes "examples/third-party-extension/proxy/")
set(_exception_allowed_0 include runtime ext examples)

set(_search_dirs include runtime/include runtime/rt-guard/include ext/include hosting/include hosting/catalog/include)

function(_layer_of path out)
  file(RELATIVE_PATH rel "${ROOT}" "${path}")
  string(REGEX MATCH "^[^/]+" top "${rel}")
  if(top IN_LIST _layers)
    set(${out} "${top}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# Resolves `header` included from `from` (absolute path) to an absolute path, or "".
function(_resolve from header out)
  get_filename_component(dir "${from}" DIRECTORY)
  if(EXISTS "${dir}/${header}" AND NOT IS_DIRECTORY "${dir}/${header}")
    get_filename_component(found "${dir}/${header}" ABSOLUTE)
    set(${out} "${found}" PARENT_SCOPE)
    return()
  endif()
  foreach(search IN LISTS _search_dirs)
    if(EXISTS "${ROOT}/${search}/${header}" AND NOT IS_DIRECTORY "${ROOT}/${search}/${header}")
      set(${out} "${ROOT}/${search}/${header}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  # A private header of the including file's own top-level directory (any depth).
  file(RELATIVE_PATH rel "${ROOT}" "${from}")
  string(REGEX MATCH "^[^/]+" top "${rel}")
  file(GLOB_RECURSE candidates "${ROOT}/${top}/*")
  foreach(candidate IN LISTS candidates)
    string(LENGTH "${candidate}" clen)
    string(LENGTH "/${header}" hlen)
    if(clen GREATER hlen)
      math(EXPR start "${clen} - ${hlen}")
      string(SUBSTRING "${candidate}" ${start} -1 tail)
      if(tail STREQUAL "/${header}")
        set(${out} "${candidate}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

set(_violations 0)
set(_checked 0)
foreach(layer IN LISTS _layers)
  if(NOT IS_DIRECTORY "${ROOT}/${layer}")
    continue()
  endif()
  file(GLOB_RECURSE sources "${ROOT}/${layer}/*.h" "${ROOT}/${layer}/*.hpp" "${ROOT}/${layer}/*.c"
       "${ROOT}/${layer}/*.cpp" "${ROOT}/${layer}/*.h.in")
  list(SORT sources)
  foreach(source IN LISTS sources)
    math(EXPR _checked "${_checked} + 1")
    file(RELATIVE_PATH rel_source "${ROOT}" "${source}")
    set(allowed ${_allowed_${layer}})
    set(index 0)
    foreach(prefix IN LISTS _exception_prefixes)
      string(FIND "${rel_source}" "${prefix}" at)
      if(at EQUAL 0)
        set(allowed ${_exception_allowed_${index}})
      endif()
      math(EXPR index "${index} + 1")
    endforeach()
    file(STRINGS "${source}" lines)
    set(line_number 0)
    foreach(line IN LISTS lines)
      math(EXPR line_number "${line_number} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">]")
        continue()
      endif()
      set(header "${CMAKE_MATCH_1}")
      _resolve("${source}" "${header}" resolved)
      if(NOT resolved)
        continue()
      endif()
      _layer_of("${resolved}" target_layer)
      if(NOT target_layer)
        # tests/, benchmarks/, build trees: never a dependency of a layer.
        file(RELATIVE_PATH rel_target "${ROOT}" "${resolved}")
        message("${rel_source}:${line_number}: ${layer} includes ${header} (${rel_target}, outside every layer)")
        math(EXPR _violations "${_violations} + 1")
        continue()
      endif()
      if(NOT target_layer IN_LIST allowed)
        file(RELATIVE_PATH rel_target "${ROOT}" "${resolved}")
        string(REPLACE ";" ", " shown "${allowed}")
        message("${rel_source}:${line_number}: ${layer} includes ${header} (${rel_target}, layer ${target_layer}; "
                "${rel_source} may use: ${shown})")
        math(EXPR _violations "${_violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()

if(_checked EQUAL 0)
  message(FATAL_ERROR "check-layering: no source files found under ${ROOT}")
endif()
if(_violations GREATER 0)
  message(FATAL_ERROR "check-layering: ${_violations} include(s) cross the layering "
                      "(include <- runtime <- ext <- hosting <- tools; examples see include/ only)")
endif()
message("check-layering: ${_checked} files, no include crosses the layering")
