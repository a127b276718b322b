# Runs every shell command of docs/install.md, in order, against a staged installation
# (ctest: package.install_docs). Run through cmake -P:
#
#   -D DOC=<docs/install.md> -D SOURCE_DIR=<aap source> -D WORK_DIR=<scratch> -D BASH=<bash> -D AWK=<awk>
#
# The page's commands run verbatim in bash (set -euo pipefail) from the top of a copy of the
# source tree, with HOME=<scratch>/home so that "$HOME/.local" is the staged prefix, and with no
# AAP_* variable set: an installed host must find the installed service and plugins by itself.
# Every ```cpp block whose first line is "// <file name>: ..." is written to that file first.

foreach(var DOC SOURCE_DIR WORK_DIR BASH AWK)
  if(NOT ${var})
    message(FATAL_ERROR "install-docs-test.cmake: -D ${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
set(source_copy "${WORK_DIR}/src")
set(home "${WORK_DIR}/home")
file(MAKE_DIRECTORY "${source_copy}" "${home}")

# The source tree without build directories, VCS data or other hidden entries.
file(GLOB children RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*")
foreach(child IN LISTS children)
  if(child MATCHES "^(build.*|\\..*)$")
    continue()
  endif()
  file(COPY "${SOURCE_DIR}/${child}" DESTINATION "${source_copy}")
endforeach()

# Extract the blocks (awk: CMake lists cannot carry the code's semicolons and brackets).
set(commands_file "${WORK_DIR}/commands.sh")
execute_process(COMMAND "${AWK}" -v "commands=${commands_file}" -v "dir=${source_copy}"
                        -f "${CMAKE_CURRENT_LIST_DIR}/extract-doc-commands.awk" "${DOC}"
                RESULT_VARIABLE result ERROR_VARIABLE err)
if(NOT result EQUAL 0 OR NOT EXISTS "${commands_file}")
  message(FATAL_ERROR "could not extract the commands of ${DOC} (${result}): ${err}")
endif()
file(READ "${commands_file}" commands)
# A command starts a line; continuation lines are indented.
string(REGEX MATCHALL "(^|\n)[^ \t\n]" starts "${commands}")
list(LENGTH starts command_count)
if(command_count LESS 10)
  message(FATAL_ERROR "found only ${command_count} commands in ${DOC}: did the page lose its ```sh blocks?")
endif()
if(NOT EXISTS "${source_copy}/my-host.cpp")
  message(FATAL_ERROR "${DOC} has no ```cpp block starting with '// my-host.cpp: '")
endif()
file(WRITE "${WORK_DIR}/install-docs.sh" "set -euo pipefail\nset -x\n${commands}")

# A clean environment for the page: only HOME changes, nothing AAP-specific survives.
set(ENV{HOME} "${home}")
foreach(var AAP_PLUGIN_PATH AAP_PLUGIN_SERVICE XDG_DATA_HOME PKG_CONFIG_PATH PKG_CONFIG_LIBDIR CMAKE_PREFIX_PATH DESTDIR)
  unset(ENV{${var}})
endforeach()
execute_process(COMMAND "${BASH}" "${WORK_DIR}/install-docs.sh"
                WORKING_DIRECTORY "${source_copy}"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(WRITE "${WORK_DIR}/install-docs.log" "${out}\n--- stderr ---\n${err}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "a command of ${DOC} failed (${result}); the trace is on stderr below.\n"
                      "--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()

# What the page promises, checked in the output and in the staged prefix.
set(prefix "${home}/.local")
set(includedir "include")  # GNUInstallDirs' default, as the page's configure line leaves it
foreach(file bin/aap-host libexec/aap/aap-plugin-service lib/pkgconfig/aap-hosting.pc lib/cmake/aap/aapConfig.cmake
             lib/aap/plugins/delay-effect.aap/aap_metadata.xml lib/aap/plugins/poly-synth.aap/aap_metadata.xml
             lib/aap/plugins/c-tremolo.aap/aap_metadata.xml ${includedir}/aap/hosting/plugin-host.h)
  if(NOT EXISTS "${prefix}/${file}")
    message(FATAL_ERROR "the installation lacks ${file}:\n${out}")
  endif()
endforeach()
if(EXISTS "${prefix}/bin/aap-plugin-service")
  message(FATAL_ERROR "aap-plugin-service was installed into bin/ (it belongs in libexec/aap)")
endif()
foreach(expected "urn:aap-examples:poly-synth" "Example Poly Synth" "realtime: (granted|refused)"
                 "processed 1 s through")
  if(NOT out MATCHES "${expected}")
    message(FATAL_ERROR "the output lacks '${expected}':\n${out}\n--- stderr ---\n${err}")
  endif()
endforeach()
if(NOT EXISTS "${source_copy}/aap-demo/echo.wav")
  message(FATAL_ERROR "aap-host render wrote no aap-demo/echo.wav")
endif()
message("ran ${command_count} commands of ${DOC} against ${prefix}")
