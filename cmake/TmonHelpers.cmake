# tmon_library(<name> SOURCES ... [DEPS ...])
#   Defines the component library tmon_<name>; headers are included as
#   "<name>/<file>.h" from src/.
function(tmon_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(tmon_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tmon_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tmon_${name} PUBLIC ${ARG_DEPS})
endfunction()

# tmon_unit_test(<name> SOURCES ... [DEPS ...])
#   One GoogleTest binary per component; every TEST becomes a CTest test.
function(tmon_unit_test name)
  if(NOT BUILD_TESTING)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit TIMEOUT 120)
endfunction()
