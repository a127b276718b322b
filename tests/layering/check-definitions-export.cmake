# Fails unless LIBRARY exports exactly GetAndroidAudioPluginFactory and
# aap_plugin_get_aapxs_definitions (what aap_add_plugin gives a plugin that ships AAPXS
# definitions, without an EXPORTS list). -D NM=<nm> -D LIBRARY=<shared object>

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}" RESULT_VARIABLE result OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIBRARY} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(exported "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]* +([A-Za-z]) +(.+)$" AND NOT CMAKE_MATCH_1 STREQUAL "A")
    list(APPEND exported "${CMAKE_MATCH_2}")
  endif()
endforeach()
list(SORT exported)
if(NOT exported STREQUAL "GetAndroidAudioPluginFactory;aap_plugin_get_aapxs_definitions")
  string(REPLACE ";" ", " shown "${exported}")
  message(FATAL_ERROR "${LIBRARY} must export GetAndroidAudioPluginFactory and aap_plugin_get_aapxs_definitions, "
                      "but exports: [${shown}]")
endif()
message("${LIBRARY} exports the factory and its AAPXS definitions")
