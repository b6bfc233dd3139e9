#!/usr/bin/env bash
# Builds gpio-sim.ko and irq_sim_oot.ko for kernel $KVER from Debian's linux-source,
# into $OUT (a folder under vm/out/, which git ignores). Idempotent: does nothing when
# both modules are newer than this script and the Kbuild file.
#
# Usage: vm/build-modules.sh KVER OUT
set -euo pipefail

KVER=${1:?usage: build-modules.sh KVER OUT}
OUT=${2:?usage: build-modules.sh KVER OUT}
HERE=$(cd "$(dirname "$0")" && pwd)

KBUILD_DIR=/lib/modules/$KVER/build
if [[ ! -d $KBUILD_DIR ]]; then
    echo "build-modules: no kernel build tree at $KBUILD_DIR (install linux-headers-amd64)" >&2
    exit 1
fi

if [[ -f $OUT/gpio-sim.ko && -f $OUT/irq_sim_oot.ko
      && $OUT/gpio-sim.ko -nt $0 && $OUT/gpio-sim.ko -nt $HERE/Kbuild ]]; then
    echo "build-modules: $OUT is up to date"
    exit 0
fi

# The newest linux-source tarball (Debian names it after the upstream series, e.g. 6.1).
TARBALL=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $TARBALL ]]; then
    echo "build-modules: no /usr/src/linux-source-*.tar.* (install linux-source)" >&2
    exit 1
fi
TOP=$(basename "$TARBALL"); TOP=${TOP%.tar.*}       # linux-source-6.1

mkdir -p "$OUT"
SRC=$OUT/src
rm -rf "$SRC"; mkdir -p "$SRC"
echo "build-modules: extracting gpio-sim and irq_sim from $TARBALL"
tar -xf "$TARBALL" -C "$SRC" \
    "$TOP/drivers/gpio/gpio-sim.c" "$TOP/drivers/gpio/gpiolib.h" "$TOP/kernel/irq/irq_sim.c"

cp "$SRC/$TOP/drivers/gpio/gpio-sim.c" "$SRC/$TOP/drivers/gpio/gpiolib.h" "$OUT/"

# irq_sim as a module: irq_to_desc() is not exported to modules, so fire the simulated
# interrupt through generic_handle_irq(); a module also needs a licence tag.
sed -e 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq(irqnum)/' \
    "$SRC/$TOP/kernel/irq/irq_sim.c" > "$OUT/irq_sim_oot.c"
if ! grep -q 'generic_handle_irq(irqnum)' "$OUT/irq_sim_oot.c"; then
    echo "build-modules: irq_sim.c no longer has the expected handle_simple_irq call" >&2
    exit 1
fi
printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >> "$OUT/irq_sim_oot.c"

cp "$HERE/Kbuild" "$OUT/Kbuild"
echo "build-modules: building against $KBUILD_DIR"
make -C "$KBUILD_DIR" M="$(cd "$OUT" && pwd)" modules > "$OUT/build.log" 2>&1 || {
    cat "$OUT/build.log" >&2
    exit 1
}
ls -l "$OUT"/*.ko
