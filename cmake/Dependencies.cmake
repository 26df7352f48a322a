# Libraries the project links, found the same way for the cross build (multiarch ppc64el
# packages under /usr/lib/powerpc64le-linux-gnu) and native builds. Static archives are
# preferred because the binaries are copied into guests and rig images as they are.
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

if(PPC_KVM_SHIM_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
endif()

# libfdt, libseccomp and libcap ship no CMake packages: wrap each as an imported target.
function(ppc_kvm_shim_find_library target header library)
  find_path(${target}_INCLUDE_DIR ${header})
  find_library(${target}_LIBRARY ${library})
  if(NOT ${target}_INCLUDE_DIR OR NOT ${target}_LIBRARY)
    message(FATAL_ERROR "${library} not found (header ${header}); run tests/rig/install-deps.sh")
  endif()
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${${target}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE_DIR})
endfunction()

# libnl-route-3 over libnl-3 (netlink/): built on every target, its tests run natively.
# Static links need the route library before the core one; the headers live in libnl3/.
find_path(deps_nl_INCLUDE_DIR netlink/netlink.h PATH_SUFFIXES libnl3)
find_library(deps_nl_LIBRARY nl-3)
find_library(deps_nl_route_LIBRARY nl-route-3)
if(NOT deps_nl_INCLUDE_DIR OR NOT deps_nl_LIBRARY OR NOT deps_nl_route_LIBRARY)
  message(FATAL_ERROR "libnl-3 and libnl-route-3 not found; run tests/rig/install-deps.sh")
endif()
add_library(deps::nl INTERFACE IMPORTED)
set_target_properties(deps::nl PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${deps_nl_INCLUDE_DIR}
  INTERFACE_LINK_LIBRARIES "${deps_nl_route_LIBRARY};${deps_nl_LIBRARY};Threads::Threads")

if(PPC_KVM_SHIM_TARGET_PPC)
  ppc_kvm_shim_find_library(deps::fdt libfdt.h fdt)
  ppc_kvm_shim_find_library(deps::seccomp seccomp.h seccomp)
  ppc_kvm_shim_find_library(deps::cap sys/capability.h cap)
endif()

# One GoogleTest executable per folder, registered with CTest under a label. On x86 the
# ppc64le test binaries run through CMAKE_CROSSCOMPILING_EMULATOR (qemu-ppc64le-static).
function(ppc_kvm_shim_unit_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${name} TEST_PREFIX "unit." PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()
