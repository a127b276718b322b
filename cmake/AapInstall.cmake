# Install and export rules of the aap package (included by the top-level CMakeLists.txt when
# AAP_INSTALL is ON).
#
# Installs:
#   <includedir>/aap, <includedir>/aapxs      the public headers
#   <libdir>/cmake/aap/aapConfig.cmake        find_package(aap) entry point
#   <libdir>/cmake/aap/aapConfigVersion.cmake SameMajorVersion compatibility
#   <libdir>/cmake/aap/aapTargets*.cmake      the export set aapTargets, namespace aap::
#   <libdir>/cmake/aap/AapAddPlugin.cmake     aap_add_plugin(), included by aapConfig.cmake
#   <libdir>/pkgconfig/aap.pc                 pkg-config --cflags aap (the C headers, for plugins)
#   <libdir>/pkgconfig/aap-runtime.pc, aap-ext.pc, aap-hosting.pc
#                                             pkg-config --cflags --libs aap-hosting (C++ hosts;
#                                             static libraries, when AAP_BUILD_RUNTIME is ON)
#
# Other areas add their targets to the same export set from their own CMakeLists.txt
# (install(TARGETS x EXPORT aapTargets ...)); the export is installed once, here, and the generated
# aapConfig.cmake copes with whichever of them are present.

include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(AAP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/aap"
    CACHE STRING "Where aapConfig.cmake is installed (relative to the prefix, or absolute)")
set(AAP_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where aap.pc is installed (relative to the prefix, or absolute)")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/aap" "${PROJECT_SOURCE_DIR}/include/aapxs"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT aap_development
        FILES_MATCHING PATTERN "*.h")

install(TARGETS aap_headers EXPORT aapTargets COMPONENT aap_development)

install(EXPORT aapTargets
        NAMESPACE aap::
        FILE aapTargets.cmake
        DESTINATION "${AAP_INSTALL_CMAKEDIR}"
        COMPONENT aap_development)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/aapConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/aap-package/aapConfig.cmake"
  INSTALL_DESTINATION "${AAP_INSTALL_CMAKEDIR}")

write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/aap-package/aapConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)

install(FILES "${PROJECT_BINARY_DIR}/aap-package/aapConfig.cmake"
              "${PROJECT_BINARY_DIR}/aap-package/aapConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/AapAddPlugin.cmake"
        DESTINATION "${AAP_INSTALL_CMAKEDIR}"
        COMPONENT aap_development)

# aap.pc. Relative install dirs make the file relocatable: `prefix` is derived from the .pc file's
# own location (${pcfiledir}), so `cmake --install --prefix <elsewhere>` still yields a working
# file. An absolute CMAKE_INSTALL_INCLUDEDIR (or pkg-config dir) is used as is, never glued onto
# ${prefix}.
if(IS_ABSOLUTE "${AAP_INSTALL_PKGCONFIGDIR}")
  set(AAP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  # The path from <prefix>/<pkgconfigdir> back to <prefix>, e.g. "../.." for lib/pkgconfig.
  file(RELATIVE_PATH _aap_pc_up "/aap-prefix/${AAP_INSTALL_PKGCONFIGDIR}" "/aap-prefix")
  string(REGEX REPLACE "/$" "" _aap_pc_up "${_aap_pc_up}")
  set(AAP_PC_PREFIX "\${pcfiledir}/${_aap_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(AAP_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(AAP_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/aap.pc.in" "${PROJECT_BINARY_DIR}/aap-package/aap.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/aap-package/aap.pc"
        DESTINATION "${AAP_INSTALL_PKGCONFIGDIR}"
        COMPONENT aap_development)

# One .pc per C++ library, each requiring the layer below (include <- runtime <- ext <- hosting),
# so `pkg-config --libs aap-hosting` lists the static archives in link order.
function(_aap_write_pc name description requires libs)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(AAP_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  else()
    set(AAP_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  endif()
  set(AAP_PC_NAME "${name}")
  set(AAP_PC_DESCRIPTION "${description}")
  set(AAP_PC_REQUIRES "${requires}")
  set(AAP_PC_LIBS "${libs}")
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/aap-library.pc.in" "${PROJECT_BINARY_DIR}/aap-package/${name}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/aap-package/${name}.pc"
          DESTINATION "${AAP_INSTALL_PKGCONFIGDIR}"
          COMPONENT aap_development)
endfunction()
if(TARGET aap_runtime)
  set(_aap_system_libs "-pthread")
  foreach(_lib IN LISTS CMAKE_DL_LIBS)
    string(APPEND _aap_system_libs " -l${_lib}")
  endforeach()
  _aap_write_pc(aap-runtime "AAP runtime: AAPXS sessions, request table, worker (static, C++17)" "aap"
                "-L\${libdir} -laap_runtime ${_aap_system_libs}")
  if(TARGET aap_ext)
    _aap_write_pc(aap-ext "AAP standard extensions and typed proxies (static, C++17)" "aap-runtime"
                  "-L\${libdir} -laap_ext")
    if(TARGET aap_hosting)
      _aap_write_pc(aap-hosting "AAP hosting: PluginHost, transports, plugin catalog (static, C++17)" "aap-ext"
                    "-L\${libdir} -laap_hosting -laap_hosting_catalog")
    endif()
  endif()
endif()
