# DRAMSys 5.1 (cycle-accurate DRAM, SystemC/TLM-2.0) and DRAMPower, built from the
# sources beside the repository (../shared/third_party, see its README.md) with
# no download, against Debian's SystemC. Provides DRAMSys::libdramsys.
set(FLEXCIM_THIRD_PARTY_DIR "${PROJECT_SOURCE_DIR}/../shared/third_party" CACHE PATH
    "Directory holding DRAMSys-5.1/ and DRAMPower-ebd9ff7/")
set(FLEXCIM_DRAMSYS_DIR "${FLEXCIM_THIRD_PARTY_DIR}/DRAMSys-5.1")
set(FLEXCIM_DRAMPOWER_DIR "${FLEXCIM_THIRD_PARTY_DIR}/DRAMPower-ebd9ff7")
foreach(dir ${FLEXCIM_DRAMSYS_DIR} ${FLEXCIM_DRAMPOWER_DIR})
  if(NOT EXISTS "${dir}/CMakeLists.txt")
    message(FATAL_ERROR "${dir} not found: the DRAMSys and DRAMPower sources are expected in "
                        "FLEXCIM_THIRD_PARTY_DIR (${FLEXCIM_THIRD_PARTY_DIR})")
  endif()
endforeach()

set(SystemCLanguage_DIR "${PROJECT_SOURCE_DIR}/cmake" CACHE PATH "SystemCLanguageConfig.cmake for DRAMSys" FORCE)
# FetchContent, fully disconnected: DRAMSys' own dependency declaration of DRAMPower
# is satisfied from the local source tree; SystemC, SQLite and nlohmann-json come from Debian.
set(FETCHCONTENT_FULLY_DISCONNECTED ON CACHE BOOL "" FORCE)
set(FETCHCONTENT_SOURCE_DIR_DRAMPOWER "${FLEXCIM_DRAMPOWER_DIR}" CACHE PATH "" FORCE)
set(DRAMSYS_USE_FETCH_CONTENT ON CACHE BOOL "" FORCE)
set(DRAMSYS_USE_FETCH_CONTENT_INTERNAL ON CACHE BOOL "" FORCE)
set(DRAMSYS_USE_FETCH_CONTENT_SYSTEMC OFF CACHE BOOL "" FORCE)
set(DRAMSYS_USE_FETCH_CONTENT_SQLITE3 OFF CACHE BOOL "" FORCE)
set(DRAMSYS_USE_FETCH_CONTENT_NLOHMANN_JSON OFF CACHE BOOL "" FORCE)
set(DRAMSYS_BUILD_CLI OFF CACHE BOOL "" FORCE)

# SYSTEM: its headers do not trip the project's warnings; EXCLUDE_FROM_ALL: only
# what the platform links is built.
# Its targets (and DRAMPower's) take this directory's compile options as they are at
# add_subdirectory: uninstrumented in the Sanitize build, like Verilator's code.
get_directory_property(flexcim_compile_options COMPILE_OPTIONS)
add_compile_options(${FLEXCIM_UNINSTRUMENTED_OPTIONS})
add_subdirectory(${FLEXCIM_DRAMSYS_DIR} ${CMAKE_BINARY_DIR}/third_party/DRAMSys EXCLUDE_FROM_ALL SYSTEM)
set_directory_properties(PROPERTIES COMPILE_OPTIONS "${flexcim_compile_options}")
# Where DRAMSys configurations name their memspecs, address mappings and controller configs.
set(FLEXCIM_DRAMSYS_RESOURCE_DIR "${FLEXCIM_DRAMSYS_DIR}/configs")
