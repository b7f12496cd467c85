// sc_main for GoogleTest binaries that link SystemC: libsystemc's own main()
// calls sc_main, so gtest_main cannot be used. SystemC warnings and errors are
// turned into test failures instead of being printed and forgotten.
#include <gtest/gtest.h>
#include <systemc>

namespace {
void fail_on_report(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  if (report.get_severity() >= sc_core::SC_WARNING)
    ADD_FAILURE() << "SystemC " << (report.get_severity() == sc_core::SC_WARNING ? "warning" : "error")
                  << " [" << report.get_msg_type() << "]: " << report.get_msg();
  // Keep SystemC's own actions for fatal errors so a broken kernel still stops.
  if (report.get_severity() == sc_core::SC_FATAL) sc_core::sc_report_handler::default_handler(report, actions);
}
}  // namespace

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  sc_core::sc_report_handler::set_handler(fail_on_report);
  return RUN_ALL_TESTS();
}
