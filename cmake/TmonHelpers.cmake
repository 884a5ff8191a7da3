# tmon_library(<name> SOURCES ... [DEPS ...])
#   Defines the component library tmon_<name>; headers are included as
#   "<name>/<file>.h" from src/.
function(tmon_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(tmon_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tmon_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tmon_${name} PUBLIC ${ARG_DEPS})
endfunction()

# Test labels (run a subset with `scripts/test.sh -L <label>`):
#   unit         no process, no socket: pure logic on a ManualClock; fast.
#   fixture      a real server of ours or a dependency in-process or on
#                loopback: the embedded broker, redis-server, tmon mock-llm,
#                an HTTP server on port 0.
#   integration  several tmon processes (tests/integration).

# tmon_unit_test(<name> SOURCES ... [DEPS ...])
#   One GoogleTest binary of unit tests; every TEST becomes a CTest test.
function(tmon_unit_test name)
  tmon_gtest(${name} unit 120 ${ARGN})
endfunction()

# tmon_fixture_test(<name> SOURCES ... [DEPS ...])
#   Like tmon_unit_test, for tests that need real servers (label fixture).
function(tmon_fixture_test name)
  tmon_gtest(${name} fixture 300 ${ARGN})
endfunction()

function(tmon_gtest name label timeout)
  if(NOT BUILD_TESTING)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tmon_test_support GTest::gmock
                                        GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS ${label}
                                                                  TIMEOUT ${timeout})
endfunction()
