// libsystemc.so brings a main() that calls sc_main; libFuzzer's main() wins, but
// the symbol must exist for the link.
extern "C" int sc_main(int, char*[]) { return 0; }
