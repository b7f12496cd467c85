# DRAMSys 5.1 calls find_package(SystemCLanguage), which Debian does not ship:
# Debian's SystemC comes with pkg-config only. This package file gives DRAMSys
# the SystemC::systemc target it links, backed by that pkg-config module.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SystemCLanguage_PC REQUIRED IMPORTED_TARGET systemc)
if(NOT TARGET SystemC::systemc)
  add_library(SystemC::systemc INTERFACE IMPORTED)
  target_link_libraries(SystemC::systemc INTERFACE PkgConfig::SystemCLanguage_PC)
endif()
set(SystemCLanguage_FOUND TRUE)
