#!/usr/bin/env bash
# Builds shim_v2_check (CLinuxShim compiled for the libgpiod v2 API, linked statically
# against libgpiod 2 built from its source tree) into OUT, for vm/guest-test.sh.
# Optional: scripts/vm-test.sh runs it when LIBGPIOD2_SRC names a libgpiod 2.x source
# tree (with lib/ and include/). Once the build machines ship libgpiod 2 (Debian trixie)
# the Swift tests cover the v2 path directly and this becomes unnecessary.
#
# Usage: vm/gpiod-v2-check/build.sh LIBGPIOD2_SRC OUT
set -euo pipefail
SRC=${1:?usage: build.sh LIBGPIOD2_SRC OUT}
OUT=${2:?usage: build.sh LIBGPIOD2_SRC OUT}
HERE=$(cd "$(dirname "$0")" && pwd)
SHIM=$HERE/../../Sources/CLinuxShim
[[ -f $SRC/include/gpiod.h && -d $SRC/lib ]] || { echo "build.sh: $SRC is no libgpiod source tree" >&2; exit 1; }
if grep -q GPIOD_LINE_BULK_MAX_LINES "$SRC/include/gpiod.h"; then
    echo "build.sh: $SRC is libgpiod 1.x, not 2.x" >&2; exit 1
fi
rm -rf "$OUT"; mkdir -p "$OUT/obj"
for file in "$SRC"/lib/*.c; do
    gcc -std=gnu11 -O1 -D_GNU_SOURCE -DGPIOD_VERSION_STR='"2-src"' -DGPIOD_API_VERSION_STR='"2-src"' \
        -I"$SRC/include" -I"$SRC/lib" -c "$file" -o "$OUT/obj/$(basename "$file" .c).o"
done
ar rcs "$OUT/libgpiod2.a" "$OUT"/obj/*.o
gcc -std=gnu11 -Wall -Wextra -Werror -I"$SHIM/include" -I"$SRC/include" \
    "$HERE/shim_v2_check.c" "$SHIM/clinuxshim.c" "$OUT/libgpiod2.a" -li2c -o "$OUT/shim_v2_check"
echo "build.sh: built $OUT/shim_v2_check"
