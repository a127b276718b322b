# Fails unless LIBRARY's dynamic symbol table defines exactly one symbol of its own:
# GetAndroidAudioPluginFactory (a plugin must export nothing else; docs/spec/abi.md section 1).
# -D NM=<nm> -D LIBRARY=<shared object>

if(NOT NM)
  message(FATAL_ERROR "nm was not found (CMAKE_NM is empty); cannot check the exported symbols")
endif()
execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed: ${err}")
endif()

string(REPLACE "\n" ";" lines "${out}")
set(exported "")
foreach(line IN LISTS lines)
  # "<address> <type> <name>"; absolute linker symbols (type A, e.g. _edata) are not code or data
  # of the plugin and are ignored.
  if(line MATCHES "^[0-9a-fA-F]* +([A-Za-z]) +(.+)$")
    if(NOT CMAKE_MATCH_1 STREQUAL "A")
      list(APPEND exported "${CMAKE_MATCH_2}")
    endif()
  endif()
endforeach()

if(NOT exported STREQUAL "GetAndroidAudioPluginFactory")
  string(REPLACE ";" ", " shown "${exported}")
  message(FATAL_ERROR "${LIBRARY} must export exactly GetAndroidAudioPluginFactory, but exports: [${shown}]\n${out}")
endif()
message("${LIBRARY} exports only GetAndroidAudioPluginFactory")
