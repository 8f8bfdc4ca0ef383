# Target helpers shared by every module. A target lists the optional dependencies it REQUIRES; when
# one is missing the target is skipped (and listed in the configure summary) instead of failing, so
# the same tree builds on the CPU-only machine, in CI and on the GPU machine.

set(BEING_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH
  "The read-only shared folder with data/ and models/ that tests and benchmarks read")

# being_enabled(<name> <out-var> [DEP...]): true when every listed BEING_HAVE_<DEP> (or target) is on.
function(being_enabled name out)
  foreach(dep IN LISTS ARGN)
    if(TARGET ${dep})
      continue()
    endif()
    if(NOT BEING_HAVE_${dep})
      set_property(GLOBAL APPEND PROPERTY BEING_SKIPPED "${name} (needs ${dep})")
      set(${out} OFF PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} ON PARENT_SCOPE)
endfunction()

function(being_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
endfunction()

# being_add_library(<name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...] [REQUIRES DEP...])
# Public headers live in <module>/include/being/...
function(being_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS;REQUIRES" ${ARGN})
  being_enabled(${name} ok ${A_REQUIRES})
  if(NOT ok)
    return()
  endif()
  add_library(${name} STATIC ${A_SOURCES})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  endif()
  target_link_libraries(${name} PUBLIC ${A_PUBLIC_LIBS} PRIVATE ${A_PRIVATE_LIBS})
  being_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY BEING_TARGETS ${name})
endfunction()

# being_add_executable(<name> SOURCES ... [LIBS ...] [REQUIRES DEP...])
function(being_add_executable name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;REQUIRES" ${ARGN})
  being_enabled(${name} ok ${A_REQUIRES})
  if(NOT ok)
    return()
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  being_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY BEING_TARGETS ${name})
endfunction()

# being_add_test(<name> SOURCES ... [LIBS ...] [REQUIRES DEP...] [LABELS ...] [TIMEOUT s])
# A GoogleTest executable whose cases are registered with CTest one by one. Tests find the shared
# data, the source tree and the build tree through tests/support/being_test.h.
function(being_add_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;REQUIRES;LABELS" ${ARGN})
  if(NOT BEING_BUILD_TESTS)
    return()
  endif()
  being_enabled(${name} ok ${A_REQUIRES})
  if(NOT ok)
    return()
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} being_test_support GTest::gtest GTest::gtest_main)
  being_warnings(${name})
  set(label_property)
  if(A_LABELS)
    set(label_property LABELS "${A_LABELS}")
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    TEST_PREFIX "${name}."
    PROPERTIES
      ${label_property}
      TIMEOUT ${A_TIMEOUT})
  set_property(GLOBAL APPEND PROPERTY BEING_TARGETS ${name})
endfunction()
