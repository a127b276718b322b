# Drives one package test (run by ctest through cmake -P). Nested builds use the generator and
# compilers of the enclosing build and never touch the network.
#
# Common: -D ACTION=<stage|install-build-tree|consumer|reject|pkg-config> -D WORK_DIR=<dir>
#         -D GENERATOR=<gen> -D MAKE_PROGRAM=<path> -D C_COMPILER=<path> -D CXX_COMPILER=<path>
# stage:              -D SOURCE_DIR=<aap source> -D PREFIX=<dir> [-D LIBDIR=<libdir>] [-D INCLUDEDIR=<dir>]
#                     configures the aap project (headers only), builds and installs it with
#                     `cmake --install --prefix PREFIX` (so the installed files must be relocatable).
# install-build-tree: -D BUILD_DIR=<the enclosing aap build> -D PREFIX=<dir>
# consumer:           -D CONSUMER_DIR=<dir> -D MODE=<package|subdirectory|vendored> -D EXPECT_VERSION=<x.y.z>
#                     [-D PREFIX=<dir>] [-D SOURCE_DIR=<aap source>] [-D VENDORED_INCLUDE_DIR=<dir>]
#                     [-D REQUIRED_VERSION=<v>] [-D EXPECT_RT_GUARD=ON: aap::rt-guard must be installed]
# reject:             like consumer, expects configure to FAIL with CMake's version mismatch message.
# pkg-config:         -D PKG_CONFIG=<path> -D PKG_CONFIG_DIR=<dir holding aap.pc> -D PREFIX=<dir>
#                     -D EXPECT_VERSION=<x.y.z> [-D INCLUDEDIR=<absolute include dir, default PREFIX/include>]
# pkg-config-host:    -D PKG_CONFIG=<path> -D PKG_CONFIG_DIR=<dir holding aap-hosting.pc> -D PREFIX=<dir>
#                     -D HOST_SOURCE=<host.cpp> -D PLUGIN_DIR=<bundles> -D PLUGIN_ID=<id>
#                     builds HOST_SOURCE into PREFIX/bin with the flags of `pkg-config --cflags --libs
#                     aap-hosting` alone and runs it there without AAP_* variables.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${ARGN}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "command failed (${result}): ${shown}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
  endif()
  set(run_output "${out}${err}" PARENT_SCOPE)
endfunction()

set(toolchain_args -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(MAKE_PROGRAM)
  list(APPEND toolchain_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

if(ACTION STREQUAL "stage")
  file(REMOVE_RECURSE "${WORK_DIR}" "${PREFIX}")
  set(args -DAAP_BUILD_RUNTIME=OFF -DBUILD_TESTING=OFF -DAAP_INSTALL=ON
           "-DCMAKE_INSTALL_PREFIX=${WORK_DIR}/not-the-prefix")
  if(LIBDIR)
    list(APPEND args "-DCMAKE_INSTALL_LIBDIR=${LIBDIR}")
  endif()
  if(INCLUDEDIR)
    file(REMOVE_RECURSE "${INCLUDEDIR}")
    list(APPEND args "-DCMAKE_INSTALL_INCLUDEDIR=${INCLUDEDIR}")
  else()
    set(INCLUDEDIR "${PREFIX}/include")
  endif()
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" ${toolchain_args} ${args})
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}")
  run("${CMAKE_COMMAND}" --install "${WORK_DIR}" --prefix "${PREFIX}")
  if(NOT EXISTS "${INCLUDEDIR}/aap/android-audio-plugin.h" OR NOT EXISTS "${INCLUDEDIR}/aapxs/aapxs.h")
    message(FATAL_ERROR "headers were not installed under ${INCLUDEDIR}")
  endif()
  message("staged aap into ${PREFIX}")

elseif(ACTION STREQUAL "install-build-tree")
  file(REMOVE_RECURSE "${PREFIX}")
  # Installs whatever every area put into the export set, so the whole build must exist
  # (`cmake --build <build dir>` first; ctest does not build).
  run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")
  message("installed ${BUILD_DIR} into ${PREFIX}")

elseif(ACTION STREQUAL "consumer" OR ACTION STREQUAL "reject")
  file(REMOVE_RECURSE "${WORK_DIR}")
  set(args "-DAAP_CONSUMER_MODE=${MODE}")
  if(PREFIX)
    # CMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY/PACKAGE_REGISTRY off: only the staged install counts.
    list(APPEND args "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
                     -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  endif()
  if(SOURCE_DIR)
    list(APPEND args "-DAAP_SOURCE_DIR=${SOURCE_DIR}")
  endif()
  if(VENDORED_INCLUDE_DIR)
    list(APPEND args "-DAAP_VENDORED_INCLUDE_DIR=${VENDORED_INCLUDE_DIR}")
  endif()
  if(REQUIRED_VERSION)
    list(APPEND args "-DAAP_CONSUMER_REQUIRED_VERSION=${REQUIRED_VERSION}")
  endif()

  if(ACTION STREQUAL "reject")
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}" ${toolchain_args} ${args}
                    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(result EQUAL 0)
      message(FATAL_ERROR "find_package(aap ${REQUIRED_VERSION}) was accepted but must be rejected\n${out}${err}")
    endif()
    # CMake wraps this message, so match across whitespace and line breaks.
    if(NOT "${out}${err}" MATCHES "Could not find a configuration file for package \"aap\" that is[ \t\r\n]+compatible[ \t\r\n]+with[ \t\r\n]+requested[ \t\r\n]+version")
      message(FATAL_ERROR "configure failed, but not because of the version:\n${out}${err}")
    endif()
    message("find_package(aap ${REQUIRED_VERSION}) was rejected as expected")
    return()
  endif()

  run("${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}" ${toolchain_args} ${args})
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}")
  run("${WORK_DIR}/consumer_version_check")
  if(NOT run_output MATCHES "aap-sdk ${EXPECT_VERSION} abi ")
    message(FATAL_ERROR "consumer reports '${run_output}', expected SDK ${EXPECT_VERSION}")
  endif()
  message("consumer (${MODE}) built and runs: ${run_output}")
  # With the C++ runtime installed, a plugin author's realtime test links aap::rt-guard.
  if(EXPECT_RT_GUARD AND NOT EXISTS "${WORK_DIR}/consumer_rt_guard_check")
    message(FATAL_ERROR "the installed package has no aap::rt-guard for the consumer's realtime test")
  endif()
  if(EXISTS "${WORK_DIR}/consumer_rt_guard_check")
    run("${WORK_DIR}/consumer_rt_guard_check" "${WORK_DIR}/consumer_blocking_module.so")
    message("consumer (${MODE}) realtime guard: ${run_output}")
  endif()

elseif(ACTION STREQUAL "pkg-config")
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg-config is not installed")
  endif()
  set(ENV{PKG_CONFIG_PATH} "${PKG_CONFIG_DIR}")
  set(ENV{PKG_CONFIG_LIBDIR} "${PKG_CONFIG_DIR}")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
  run("${PKG_CONFIG}" --modversion aap)
  string(STRIP "${run_output}" version)
  if(NOT version STREQUAL EXPECT_VERSION)
    message(FATAL_ERROR "pkg-config --modversion aap = '${version}', expected ${EXPECT_VERSION}")
  endif()
  run("${PKG_CONFIG}" --cflags aap)
  string(STRIP "${run_output}" cflags)
  if(NOT cflags MATCHES "^-I(.+)$")
    message(FATAL_ERROR "pkg-config --cflags aap = '${cflags}', expected a single -I<dir>")
  endif()
  get_filename_component(include_dir "${CMAKE_MATCH_1}" REALPATH)
  if(NOT INCLUDEDIR)
    set(INCLUDEDIR "${PREFIX}/include")
  endif()
  get_filename_component(expected_dir "${INCLUDEDIR}" REALPATH)
  if(NOT include_dir STREQUAL expected_dir)
    message(FATAL_ERROR "pkg-config --cflags aap points to ${include_dir}, expected ${expected_dir}")
  endif()
  # The flags must be enough to compile a plugin source.
  file(MAKE_DIRECTORY "${WORK_DIR}")
  file(WRITE "${WORK_DIR}/pkg-config-check.c"
       "#include <aap/aap.h>\nint main(void) { return aap_abi_check(aap_abi_current_version()); }\n")
  run("${C_COMPILER}" -std=c99 ${cflags} -fsyntax-only "${WORK_DIR}/pkg-config-check.c")
  message("pkg-config --cflags aap = ${cflags}")

elseif(ACTION STREQUAL "pkg-config-host")
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg-config is not installed")
  endif()
  set(ENV{PKG_CONFIG_PATH} "${PKG_CONFIG_DIR}")
  set(ENV{PKG_CONFIG_LIBDIR} "${PKG_CONFIG_DIR}")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
  run("${PKG_CONFIG}" --cflags --libs aap-hosting)
  string(STRIP "${run_output}" flags)
  if(NOT flags MATCHES "-laap_hosting .*-laap_ext .*-laap_runtime")
    message(FATAL_ERROR "pkg-config --libs aap-hosting = '${flags}': the archives are missing or out of link order")
  endif()
  separate_arguments(flag_list UNIX_COMMAND "${flags}")
  set(host "${PREFIX}/bin/aap-pkg-config-host")
  file(REMOVE "${host}")
  run("${CXX_COMPILER}" -std=c++17 "${HOST_SOURCE}" ${flag_list} -o "${host}")
  unset(ENV{AAP_PLUGIN_SERVICE})
  unset(ENV{AAP_PLUGIN_PATH})
  run("${host}" "${PLUGIN_DIR}" "${PLUGIN_ID}")
  if(NOT run_output MATCHES "ok: .* ran out of process; realtime: ")
    message(FATAL_ERROR "the pkg-config host printed '${run_output}'")
  endif()
  message("pkg-config --cflags --libs aap-hosting = ${flags}\n${run_output}")

else()
  message(FATAL_ERROR "unknown ACTION '${ACTION}'")
endif()
