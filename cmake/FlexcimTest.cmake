# flexcim_add_test(<name> SOURCES ... [LIBS ...] [SYSTEMC] [LABELS ...])
#
# One GoogleTest executable; gtest_discover_tests runs every TEST in its own
# process, so a test that elaborates a SystemC platform gets a fresh kernel.
# SYSTEMC tests get tests/sc_test_main.cpp (sc_main + a report handler that turns
# SystemC warnings and errors into test failures); the others link gtest_main.
function(flexcim_add_test name)
  cmake_parse_arguments(T "SYSTEMC" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest)
  if(T_SYSTEMC)
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/sc_test_main.cpp)
    target_link_libraries(${name} PRIVATE PkgConfig::SystemC)
  else()
    target_link_libraries(${name} PRIVATE GTest::gtest_main)
  endif()
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  set(labels unit)
  if(T_LABELS)
    set(labels ${T_LABELS})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      LABELS "${labels}"
      ENVIRONMENT "SC_COPYRIGHT_MESSAGE=DISABLE;FLEXCIM_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
endfunction()
