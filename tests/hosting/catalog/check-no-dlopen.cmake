# cmake -DNM=<nm> -DLIBRARY=<libaap_hosting_catalog.a> -P check-no-dlopen.cmake
# The catalog lists plugins from metadata only: its library must not reference the dynamic
# loader at all (dlopen/dlmopen/dlsym), so no plugin code can run while scanning.
if(NOT NM OR NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DLIBRARY=<archive> -P check-no-dlopen.cmake")
endif()
execute_process(COMMAND "${NM}" -u "${LIBRARY}"
                RESULT_VARIABLE result OUTPUT_VARIABLE undefined ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} -u ${LIBRARY} failed: ${errors}")
endif()
if(NOT undefined MATCHES "U (open|read)\n")
  message(FATAL_ERROR "${NM} does not show the archive calling open/read (which the catalog does); the check would prove nothing:\n${undefined}")
endif()
string(REGEX MATCHALL "[^\n]*(dlopen|dlmopen|dlsym)[^\n]*" loader "${undefined}")
if(loader)
  message(FATAL_ERROR "the catalog library references the dynamic loader:\n${loader}")
endif()
