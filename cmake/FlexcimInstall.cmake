# `cmake --install build --prefix DIR`: the flexcim program, the libraries and
# their headers (include/flexcim), the generated register header and reference,
# the scenarios and energy tables (share/flexcim-vp/scenarios), the CMake
# package FlexCiMVP (lib/cmake/FlexCiMVP) and flexcim-firmware.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FLEXCIM_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/flexcim)
set(FLEXCIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/FlexCiMVP)
set(FLEXCIM_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/flexcim-vp)

# Imported as FlexCiMVP::<export name>. firmware, models and platform are the
# ones users name; the others come along as their dependencies (DRAMSys and
# DRAMPower too: the models link them, static libraries pass that on).
set(flexcim_exported
  flexcim_regs_header:regs_header flexcim_regs:regs flexcim_nm:nm flexcim_flow:flow flexcim_llm:llm
  flexcim_firmware:firmware flexcim_config:config flexcim_rtl_cores:rtl_cores flexcim_models:models
  flexcim_platform:platform
  libdramsys:dramsys configuration:dramsys_config DRAMPower:drampower)
set(flexcim_targets "")
foreach(entry IN LISTS flexcim_exported)
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 target)
  list(GET parts 1 export_name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  # The include directories in the source and build trees hold for the build
  # only; installed, every header is in include/flexcim.
  foreach(property INTERFACE_INCLUDE_DIRECTORIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES)
    get_target_property(dirs ${target} ${property})
    if(dirs)
      set(wrapped "")
      foreach(dir IN LISTS dirs)
        list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
      endforeach()
      set_target_properties(${target} PROPERTIES ${property} "${wrapped}")
    endif()
  endforeach()
  list(APPEND flexcim_targets ${target})
endforeach()
# Firmware links into plug-ins (shared libraries) as well as programs.
set_target_properties(flexcim_nm flexcim_flow flexcim_llm flexcim_firmware PROPERTIES POSITION_INDEPENDENT_CODE ON)

install(TARGETS ${flexcim_targets} EXPORT FlexCiMVPTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${FLEXCIM_INSTALL_INCLUDEDIR})
install(TARGETS flexcim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT FlexCiMVPTargets NAMESPACE FlexCiMVP:: DESTINATION ${FLEXCIM_INSTALL_CMAKEDIR})

# Headers, flat as the sources include them; firmware/nm, flow and llm keep their directory.
foreach(dir firmware models models/regs platform platform/config rtl/verilator)
  file(GLOB headers ${PROJECT_SOURCE_DIR}/${dir}/*.h)
  install(FILES ${headers} DESTINATION ${FLEXCIM_INSTALL_INCLUDEDIR})
endforeach()
foreach(dir nm flow llm)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/firmware/${dir}/ DESTINATION ${FLEXCIM_INSTALL_INCLUDEDIR}/${dir}
    FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${CMAKE_BINARY_DIR}/generated/flexcim_regs.h DESTINATION ${FLEXCIM_INSTALL_INCLUDEDIR})

# Data: scenarios/ with defaults.yaml and the energy tables; the docs firmware writers read.
# The installed flexcim finds both through installed_share_path (platform/config/installed.h).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${FLEXCIM_INSTALL_DATADIR}/scenarios)
# DRAMSys's memspecs, address mappings and controller configs, which DRAM configurations name.
install(DIRECTORY ${FLEXCIM_DRAMSYS_RESOURCE_DIR}/ DESTINATION ${FLEXCIM_INSTALL_DATADIR}/dramsys)
install(FILES ${CMAKE_BINARY_DIR}/generated/registers.md ${PROJECT_SOURCE_DIR}/models/regs/flexcim_regs.yaml
              ${PROJECT_SOURCE_DIR}/docs/firmware-guide.md ${PROJECT_SOURCE_DIR}/docs/weight-format.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The CMake package.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/FlexCiMVPConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/FlexCiMVPConfig.cmake
  INSTALL_DESTINATION ${FLEXCIM_INSTALL_CMAKEDIR}
  PATH_VARS FLEXCIM_INSTALL_INCLUDEDIR FLEXCIM_INSTALL_DATADIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/FlexCiMVPConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/FlexCiMVPConfig.cmake ${CMAKE_BINARY_DIR}/cmake/FlexCiMVPConfigVersion.cmake
  DESTINATION ${FLEXCIM_INSTALL_CMAKEDIR})

# pkg-config for the firmware alone (no SystemC): what a cross build of firmware uses.
file(RELATIVE_PATH FLEXCIM_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(${PROJECT_SOURCE_DIR}/cmake/flexcim-firmware.pc.in ${CMAKE_BINARY_DIR}/cmake/flexcim-firmware.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/flexcim-firmware.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
