# Builds the third-party-extension example plugin (examples/third-party-extension: the plugin and
# its AAPXS definition) the way a plugin author who vendored the SDK's include/ directory would:
# with a copy of include/ as the only SDK include directory, one compiler call, -z defs. Then
# checks that the library defines both entry points (the factory and the definitions export).
#
# -D CXX=<c++ compiler> -D NM=<nm> -D SOURCE_DIR=<repository> -D WORK_DIR=<scratch directory>

foreach(var CXX NM SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "vendored-include-build: -D ${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/vendor")
# The vendored copy: include/ and nothing else of the SDK.
file(COPY "${SOURCE_DIR}/include" DESTINATION "${WORK_DIR}/vendor")
set(example "${SOURCE_DIR}/examples/third-party-extension")
set(library "${WORK_DIR}/peak-meter-vendored.so")
set(command "${CXX}" -std=c++17 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror
    "-I${WORK_DIR}/vendor/include" "-I${example}/include" "-I${example}/aapxs"
    "${example}/plugin/peak-meter-plugin.cpp" "${example}/aapxs/peak-meter-aapxs.cpp"
    -Wl,-z,defs -o "${library}")
execute_process(COMMAND ${command} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT result EQUAL 0)
  string(REPLACE ";" " " shown "${command}")
  message(FATAL_ERROR "the plugin does not build with only include/ on the include path:\n  ${shown}\n${out}")
endif()

execute_process(COMMAND "${NM}" -D --defined-only "${library}" RESULT_VARIABLE result OUTPUT_VARIABLE symbols
                ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${library}: ${err}")
endif()
foreach(symbol GetAndroidAudioPluginFactory aap_plugin_get_aapxs_definitions)
  if(NOT symbols MATCHES " T ${symbol}\n")
    message(FATAL_ERROR "${library} does not export ${symbol}:\n${symbols}")
  endif()
endforeach()
message("the third-party-extension plugin builds from a vendored include/ alone and exports its definitions")
