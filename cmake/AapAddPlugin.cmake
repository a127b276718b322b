# aap_add_plugin: builds an AAP plugin bundle (a MODULE library plus its aap_metadata.xml).
#
#   aap_add_plugin(<target>
#     SOURCES <file>...
#     METADATA <aap_metadata.xml or aap_metadata.xml.in>
#     [BUNDLE_NAME <name>]          # bundle directory name; default <target>
#     [OUTPUT_DIR <dir>]            # bundle directory; default ${AAP_PLUGIN_OUTPUT_ROOT}/<name>
#     [LIBRARY_NAME <name>]         # library file name without suffix; default <target>
#     [LIBRARIES <target-or-lib>...] # linked PRIVATE in addition to aap::headers
#     [EXPORTS <symbol>...]          # extra exported symbols (default: the factory, and
#                                    # aap_plugin_get_aapxs_definitions when the library defines it)
#     [WEB_UI <dir>])                # a web UI folder (index.html + assets), copied into the bundle
#                                    # as web-ui/; declare it with gui:web-ui="web-ui" in the
#                                    # metadata (docs/metadata.md, "Web UI")
#
# What it guarantees, because hosts and the plugin service rely on it:
# - a MODULE library (dlopen only, never linked against) named "<LIBRARY_NAME><module suffix>"
#   without the "lib" prefix, written straight into the bundle directory, so the build tree holds
#   a complete bundle that `aap-host --plugin-path ${AAP_PLUGIN_OUTPUT_ROOT}` finds without
#   installing;
# - hidden visibility (C and C++, inline functions too) and, where the linker understands version
#   scripts, a version script: the library exports GetAndroidAudioPluginFactory,
#   aap_plugin_get_aapxs_definitions when it defines one (a plugin that ships the AAPXS definitions
#   of its extensions, include/aapxs/plugin-aapxs-definitions.h; no EXPORTS needed) and EXPORTS,
#   nothing else, so two plugins loaded into one process never interpose each other's symbols;
# - -z defs where supported: an unresolved symbol is a link error, not a dlopen failure later;
# - the metadata copied next to the library by configure_file(@ONLY): write library="@AAP_PLUGIN_LIBRARY@"
#   in it and the actual file name is substituted (a file without placeholders is copied as is).
#
# AAP_PLUGIN_OUTPUT_ROOT (cache path, default ${CMAKE_BINARY_DIR}/plugins) is the directory that
# holds every bundle built by this project; pass it to hosts as the plugin search path.
#
# The target property AAP_PLUGIN_BUNDLE_DIR holds the bundle directory.
#
#   aap_install_plugin(<target> [DESTINATION <dir>] [COMPONENT <component>])
#
# installs the bundle of a target made by aap_add_plugin() (library + aap_metadata.xml) as
# <dir>/<bundle name>/. <dir> defaults to lib/aap/plugins under the install prefix, which the
# default plugin search path covers for the prefixes /usr and /usr/local (docs/metadata.md).

include_guard(GLOBAL)
include(CheckLinkerFlag)

set(AAP_PLUGIN_OUTPUT_ROOT "${CMAKE_BINARY_DIR}/plugins" CACHE PATH
    "Directory that receives the plugin bundles built with aap_add_plugin()")

function(aap_add_plugin target)
  cmake_parse_arguments(ARG "" "METADATA;BUNDLE_NAME;OUTPUT_DIR;LIBRARY_NAME;WEB_UI" "SOURCES;LIBRARIES;EXPORTS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "aap_add_plugin(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "aap_add_plugin(${target}): SOURCES is required")
  endif()
  if(NOT ARG_METADATA)
    message(FATAL_ERROR "aap_add_plugin(${target}): METADATA is required (the plugin's aap_metadata.xml)")
  endif()
  if(NOT IS_ABSOLUTE "${ARG_METADATA}")
    set(ARG_METADATA "${CMAKE_CURRENT_SOURCE_DIR}/${ARG_METADATA}")
  endif()
  if(NOT EXISTS "${ARG_METADATA}")
    message(FATAL_ERROR "aap_add_plugin(${target}): METADATA file ${ARG_METADATA} does not exist")
  endif()
  if(NOT ARG_BUNDLE_NAME)
    set(ARG_BUNDLE_NAME "${target}")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${AAP_PLUGIN_OUTPUT_ROOT}/${ARG_BUNDLE_NAME}")
  endif()
  if(NOT ARG_LIBRARY_NAME)
    set(ARG_LIBRARY_NAME "${target}")
  endif()

  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET aap::headers)
    target_link_libraries(${target} PRIVATE aap::headers)
  else()
    message(FATAL_ERROR "aap_add_plugin(${target}): aap::headers is not defined (find_package(aap) or add the SDK first)")
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES})
  endif()
  # The generator expression keeps multi-config generators from appending a per-config folder:
  # the library must sit next to its metadata.
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${ARG_LIBRARY_NAME}"
    LIBRARY_OUTPUT_DIRECTORY "$<1:${ARG_OUTPUT_DIR}>"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    AAP_PLUGIN_BUNDLE_DIR "${ARG_OUTPUT_DIR}")

  if(CMAKE_SYSTEM_NAME MATCHES "Linux|Android|FreeBSD|NetBSD|OpenBSD")
    # Hidden visibility alone still exports the weak template instantiations of the C++ standard
    # library (std:: has default visibility); the version script makes the export list exact.
    # aap_plugin_get_aapxs_definitions is listed for every plugin: a library that does not define
    # it exports nothing more (GNU ld ignores a version-script name that is not defined; lld is
    # told to with --undefined-version).
    set(_symbols GetAndroidAudioPluginFactory aap_plugin_get_aapxs_definitions ${ARG_EXPORTS})
    list(REMOVE_DUPLICATES _symbols)
    list(JOIN _symbols "; " _global)
    set(_script "${CMAKE_CURRENT_BINARY_DIR}/${target}.exports.map")
    file(WRITE "${_script}.tmp" "{\n  global: ${_global};\n  local: *;\n};\n")
    configure_file("${_script}.tmp" "${_script}" COPYONLY)
    target_link_options(${target} PRIVATE "LINKER:--version-script=${_script}")
    if(NOT DEFINED AAP_LINKER_SUPPORTS_UNDEFINED_VERSION)
      get_property(_enabled GLOBAL PROPERTY ENABLED_LANGUAGES)
      if("C" IN_LIST _enabled)
        check_linker_flag(C "LINKER:--undefined-version" AAP_LINKER_SUPPORTS_UNDEFINED_VERSION)
      else()
        check_linker_flag(CXX "LINKER:--undefined-version" AAP_LINKER_SUPPORTS_UNDEFINED_VERSION)
      endif()
    endif()
    if(AAP_LINKER_SUPPORTS_UNDEFINED_VERSION)
      target_link_options(${target} PRIVATE "LINKER:--undefined-version")
    endif()
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${_script}")
  endif()

  # -z defs: every symbol must resolve at link time. Clang does not link the sanitizer runtimes
  # into shared objects (the executable provides them), so with clang + sanitizers it cannot apply.
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  set(_sanitized FALSE)
  if(CMAKE_C_FLAGS MATCHES "-fsanitize" OR CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    set(_sanitized TRUE)
  endif()
  if(NOT (_sanitized AND (CMAKE_C_COMPILER_ID MATCHES "Clang" OR CMAKE_CXX_COMPILER_ID MATCHES "Clang")))
    if(NOT DEFINED AAP_LINKER_SUPPORTS_Z_DEFS)
      if("C" IN_LIST _languages)
        check_linker_flag(C "LINKER:-z,defs" AAP_LINKER_SUPPORTS_Z_DEFS)
      else()
        check_linker_flag(CXX "LINKER:-z,defs" AAP_LINKER_SUPPORTS_Z_DEFS)
      endif()
    endif()
    if(AAP_LINKER_SUPPORTS_Z_DEFS)
      target_link_options(${target} PRIVATE "LINKER:-z,defs")
    endif()
  endif()

  set(AAP_PLUGIN_LIBRARY "${ARG_LIBRARY_NAME}${CMAKE_SHARED_MODULE_SUFFIX}")
  configure_file("${ARG_METADATA}" "${ARG_OUTPUT_DIR}/aap_metadata.xml" @ONLY)

  if(ARG_WEB_UI)
    if(NOT IS_ABSOLUTE "${ARG_WEB_UI}")
      set(ARG_WEB_UI "${CMAKE_CURRENT_SOURCE_DIR}/${ARG_WEB_UI}")
    endif()
    if(NOT EXISTS "${ARG_WEB_UI}/index.html")
      message(FATAL_ERROR "aap_add_plugin(${target}): WEB_UI ${ARG_WEB_UI} has no index.html")
    endif()
    # Copied at build time (and again whenever a file changes), so editing the page needs no
    # reconfigure; the copy replaces the folder so removed files do not linger.
    file(GLOB_RECURSE _web_files CONFIGURE_DEPENDS "${ARG_WEB_UI}/*")
    set(_stamp "${CMAKE_CURRENT_BINARY_DIR}/${target}.web-ui.stamp")
    add_custom_command(OUTPUT "${_stamp}"
      COMMAND ${CMAKE_COMMAND} -E rm -rf "${ARG_OUTPUT_DIR}/web-ui"
      COMMAND ${CMAKE_COMMAND} -E copy_directory "${ARG_WEB_UI}" "${ARG_OUTPUT_DIR}/web-ui"
      COMMAND ${CMAKE_COMMAND} -E touch "${_stamp}"
      DEPENDS ${_web_files}
      COMMENT "Copying the web UI of ${target}")
    add_custom_target(${target}-web-ui DEPENDS "${_stamp}")
    add_dependencies(${target} ${target}-web-ui)
    set_target_properties(${target} PROPERTIES AAP_PLUGIN_WEB_UI "${ARG_OUTPUT_DIR}/web-ui")
  endif()
endfunction()

function(aap_install_plugin target)
  cmake_parse_arguments(ARG "" "DESTINATION;COMPONENT" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "aap_install_plugin(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "aap_install_plugin(${target}): no such target")
  endif()
  get_target_property(_bundle_dir ${target} AAP_PLUGIN_BUNDLE_DIR)
  if(NOT _bundle_dir)
    message(FATAL_ERROR "aap_install_plugin(${target}): not a plugin made by aap_add_plugin()")
  endif()
  if(NOT ARG_DESTINATION)
    set(ARG_DESTINATION "lib/aap/plugins")
  endif()
  if(NOT ARG_COMPONENT)
    set(ARG_COMPONENT aap_plugins)
  endif()
  get_filename_component(_bundle_name "${_bundle_dir}" NAME)
  install(TARGETS ${target} LIBRARY DESTINATION "${ARG_DESTINATION}/${_bundle_name}" COMPONENT ${ARG_COMPONENT})
  install(FILES "${_bundle_dir}/aap_metadata.xml" DESTINATION "${ARG_DESTINATION}/${_bundle_name}"
          COMPONENT ${ARG_COMPONENT})
  get_target_property(_web_ui ${target} AAP_PLUGIN_WEB_UI)
  if(_web_ui)
    install(DIRECTORY "${_web_ui}" DESTINATION "${ARG_DESTINATION}/${_bundle_name}" COMPONENT ${ARG_COMPONENT})
  endif()
endfunction()
