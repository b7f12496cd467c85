// Targets that run SystemC threads: no leak checking. SystemC 2.3.4 tells ASan
// about its coroutine stacks on the way in, but not the main stack's bounds on the
// way back, so after sc_start LeakSanitizer scans the wrong stack and reports
// allocations that main() still holds (even libFuzzer's own). Address and
// undefined-behaviour checking are unaffected.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
