// libFuzzer's documented entry for programs that have their own main (SwiftPM renames an
// executable's main, so libFuzzer's own main cannot be used): it parses the libFuzzer
// flags in argv and runs the fuzzing loop with `callback`. Defined in
// libclang_rt.fuzzer, which -sanitize=fuzzer links.
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
