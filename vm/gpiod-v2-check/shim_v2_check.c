/*
 * Exercises CLinuxShim's libgpiod v2 path against gpio-sim inside the VM, for machines
 * whose own libgpiod is 1.x (the Swift tests then cover only the v1 path). Built by
 * build.sh against a libgpiod 2 source tree; run by vm/guest-test.sh when present.
 * Uses the environment the guest script sets: STRIDEGUARD_VM_GPIOCHIP and
 * STRIDEGUARD_VM_GPIOSIM_DIR. Line offsets 5...7 of the simulated bank are used, so as
 * not to meet the Swift tests' lines 0...4.
 */
#include "clinuxshim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_LINE 5
#define ACTIVE_LOW_LINE 6
#define EDGE_LINE 7
#define CHIP_LINES 8
/* gpio-sim coalesces pull changes that come faster than its irq_work runs; this gap
 * lets each one become its own edge. */
#define TOGGLE_GAP_US 3000
/* More edges than the kernel queues per line by default (16, gpiod.h) so some drop. */
#define OVERFLOW_EDGES 40
#define WAIT_NS 5000000000ULL
#define SHORT_WAIT_NS 200000000ULL

static const char *chip;
static const char *simdir;
static int failures;

#define CHECK(condition) do { \
        if (!(condition)) { printf("shim v2 check FAILED at line %d: %s\n", __LINE__, #condition); failures++; } \
    } while (0)

static void set_pull(int offset, const char *pull)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sim_gpio%d/pull", simdir, offset);
    FILE *file = fopen(path, "w");
    if (file == NULL) { perror(path); failures++; return; }
    fputs(pull, file);
    fclose(file);
    usleep(TOGGLE_GAP_US);
}

static int sim_value(int offset)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sim_gpio%d/value", simdir, offset);
    FILE *file = fopen(path, "r");
    int value = -1;
    if (file != NULL) {
        if (fscanf(file, "%d", &value) != 1)
            value = -1;
        fclose(file);
    }
    return value;
}

int main(void)
{
    chip = getenv("STRIDEGUARD_VM_GPIOCHIP");
    simdir = getenv("STRIDEGUARD_VM_GPIOSIM_DIR");
    if (chip == NULL || simdir == NULL) {
        puts("shim v2 check: STRIDEGUARD_VM_GPIOCHIP / STRIDEGUARD_VM_GPIOSIM_DIR not set");
        return 1;
    }
    CHECK(cls_gpiod_api() == 2);

    cls_output_line *output = NULL, *second = NULL;
    CHECK(cls_output_line_open("/dev/gpiochip-none", OUTPUT_LINE, "strideguard", 0, &output) == -ENOENT);
    CHECK(cls_output_line_open(chip, CHIP_LINES, "strideguard", 0, &output) == -ERANGE);
    CHECK(cls_output_line_open(chip, OUTPUT_LINE, "strideguard", 0, &output) == 0);
    CHECK(cls_output_line_open(chip, OUTPUT_LINE, "strideguard", 0, &second) == -EBUSY);
    CHECK(sim_value(OUTPUT_LINE) == 0);
    CHECK(cls_output_line_set(output, 1) == 0);
    CHECK(sim_value(OUTPUT_LINE) == 1);
    CHECK(cls_output_line_set(output, 0) == 0);
    CHECK(sim_value(OUTPUT_LINE) == 0);
    cls_output_line_close(output);

    CHECK(cls_output_line_open(chip, ACTIVE_LOW_LINE, "strideguard", 1, &output) == 0);
    CHECK(sim_value(ACTIVE_LOW_LINE) == 1);
    CHECK(cls_output_line_set(output, 1) == 0);
    CHECK(sim_value(ACTIVE_LOW_LINE) == 0);
    cls_output_line_close(output);

    set_pull(EDGE_LINE, "pull-down");
    cls_edge_line *edges = NULL;
    cls_edge_event event;
    CHECK(cls_edge_line_open(chip, EDGE_LINE, "strideguard", CLS_EDGE_BOTH, &edges) == 0);
    if (edges == NULL) {
        puts("shim v2 check: FAIL");
        return 1;
    }
    CHECK(cls_edge_line_fd(edges) >= 0);
    CHECK(cls_edge_line_wait(edges, SHORT_WAIT_NS, &event) == 0);
    uint64_t last = 0;
    for (int i = 0; i < 3; i++) {
        set_pull(EDGE_LINE, "pull-up");
        CHECK(cls_edge_line_wait(edges, WAIT_NS, &event) == 1);
        CHECK(event.rising == 1 && event.timestamp_ns > last && event.lost_before == 0);
        last = event.timestamp_ns;
        set_pull(EDGE_LINE, "pull-down");
        CHECK(cls_edge_line_wait(edges, WAIT_NS, &event) == 1);
        CHECK(event.rising == 0 && event.timestamp_ns > last && event.lost_before == 0);
        last = event.timestamp_ns;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(last <= (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec);

    /* Overflow the kernel's queue: the oldest events drop, the sequence numbers show it. */
    for (int i = 0; i < OVERFLOW_EDGES / 2; i++) {
        set_pull(EDGE_LINE, "pull-up");
        set_pull(EDGE_LINE, "pull-down");
    }
    uint64_t lost = 0;
    int received = 0;
    while (cls_edge_line_wait(edges, SHORT_WAIT_NS, &event) == 1) {
        lost += event.lost_before;
        received++;
    }
    printf("shim v2 check: after %d edges, %d received, %llu counted lost\n",
           OVERFLOW_EDGES, received, (unsigned long long)lost);
    CHECK(lost > 0 && received + (int)lost == OVERFLOW_EDGES);
    CHECK(cls_edge_line_pending(edges) == 0);
    cls_edge_line_close(edges);

    puts(failures == 0 ? "shim v2 check: PASS" : "shim v2 check: FAIL");
    return failures != 0;
}
