// Only the header matters: the function is libFuzzer's. SwiftPM wants a source file.
#include "fuzzer_driver.h"
