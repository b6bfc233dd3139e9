/*
 * clinuxshim.c: see include/clinuxshim.h for the contract.
 *
 * I2C goes through i2c-dev ioctls and libi2c (i2c-tools 4.x), whose i2c_smbus_* calls
 * already return -errno. GPIO goes through libgpiod: the v1 API (libgpiod 1.6, Debian
 * and Raspberry Pi OS bookworm) when <gpiod.h> defines GPIOD_LINE_BULK_MAX_LINES, the v2
 * API (libgpiod 2.x, trixie) otherwise.
 */
#define _GNU_SOURCE
#include "clinuxshim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <i2c/smbus.h>

#include <gpiod.h>

/* The mirrored functionality bits must match the kernel's (see clinuxshim.h). */
_Static_assert(CLS_I2C_FUNC_I2C == I2C_FUNC_I2C, "I2C_FUNC_I2C changed");
_Static_assert(CLS_I2C_FUNC_SMBUS_READ_BYTE_DATA == I2C_FUNC_SMBUS_READ_BYTE_DATA,
               "I2C_FUNC_SMBUS_READ_BYTE_DATA changed");
_Static_assert(CLS_I2C_FUNC_SMBUS_WRITE_BYTE_DATA == I2C_FUNC_SMBUS_WRITE_BYTE_DATA,
               "I2C_FUNC_SMBUS_WRITE_BYTE_DATA changed");
_Static_assert(CLS_I2C_FUNC_SMBUS_READ_I2C_BLOCK == I2C_FUNC_SMBUS_READ_I2C_BLOCK,
               "I2C_FUNC_SMBUS_READ_I2C_BLOCK changed");
_Static_assert(CLS_I2C_SMBUS_BLOCK_MAX == I2C_SMBUS_BLOCK_MAX, "I2C_SMBUS_BLOCK_MAX changed");

/* Nanoseconds per second. */
#define CLS_NS_PER_S 1000000000ULL

/* The current errno as a negative code; -EIO if a library failed without setting it. */
static int negative_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

/* ---------------------------------------------------------------------------------- */
/* I2C                                                                                  */
/* ---------------------------------------------------------------------------------- */

int cls_i2c_open(const char *path)
{
    if (path == NULL)
        return -EINVAL;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd >= 0 ? fd : negative_errno();
}

int cls_i2c_close(int fd)
{
    return close(fd) == 0 ? 0 : negative_errno();
}

int cls_i2c_functionality(int fd, unsigned long *funcs)
{
    if (funcs == NULL)
        return -EINVAL;
    return ioctl(fd, I2C_FUNCS, funcs) < 0 ? negative_errno() : 0;
}

int cls_i2c_set_address(int fd, uint8_t address)
{
    return ioctl(fd, I2C_SLAVE, (unsigned long)address) < 0 ? negative_errno() : 0;
}

int cls_i2c_read_byte_data(int fd, uint8_t reg)
{
    int32_t result = i2c_smbus_read_byte_data(fd, reg);
    return result < 0 ? (int)result : (int)(result & 0xff);
}

int cls_i2c_write_byte_data(int fd, uint8_t reg, uint8_t value)
{
    int32_t result = i2c_smbus_write_byte_data(fd, reg, value);
    return result < 0 ? (int)result : 0;
}

int cls_i2c_read_i2c_block(int fd, uint8_t reg, uint8_t *buffer, size_t length)
{
    if (buffer == NULL || length == 0 || length > CLS_I2C_SMBUS_BLOCK_MAX)
        return -EINVAL;
    int32_t result = i2c_smbus_read_i2c_block_data(fd, reg, (uint8_t)length, buffer);
    if (result < 0)
        return (int)result;
    return (size_t)result == length ? 0 : -EIO;
}

int cls_i2c_read_combined(int fd, uint8_t address, uint8_t reg, uint8_t *buffer,
                          size_t length)
{
    if (buffer == NULL || length == 0 || length > CLS_I2C_RDWR_MAX_MESSAGE_LENGTH)
        return -EINVAL;
    uint8_t pointer = reg;
    struct i2c_msg messages[2] = {
        { .addr = address, .flags = 0, .len = 1, .buf = &pointer },
        { .addr = address, .flags = I2C_M_RD, .len = (uint16_t)length, .buf = buffer },
    };
    struct i2c_rdwr_ioctl_data transfer = { .msgs = messages, .nmsgs = 2 };
    int result = ioctl(fd, I2C_RDWR, &transfer);
    if (result < 0)
        return negative_errno();
    /* I2C_RDWR returns how many messages went through; anything short is a failure. */
    return result == 2 ? 0 : -EIO;
}

/* ---------------------------------------------------------------------------------- */
/* GPIO, shared                                                                         */
/* ---------------------------------------------------------------------------------- */

/* Converts a CLOCK_MONOTONIC timespec to nanoseconds. */
static inline uint64_t timespec_to_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * CLS_NS_PER_S + (uint64_t)ts->tv_nsec;
}

/* What a line is requested as. */
struct line_request_spec {
    int output;            /* 1: output, 0: edge-event input */
    int active_low;        /* outputs only */
    cls_edge_kind edges;   /* inputs only */
};

#ifdef GPIOD_LINE_BULK_MAX_LINES
/* ================================================================================== */
/* libgpiod v1 (1.x)                                                                    */
/* ================================================================================== */

struct cls_output_line {
    struct gpiod_chip *chip;
    struct gpiod_line *line;
};

struct cls_edge_line {
    struct gpiod_chip *chip;
    struct gpiod_line *line;
};

int cls_gpiod_api(void) { return 1; }

/* Opens the chip and requests one line as `spec` says. Returns 0 or -errno. */
static int v1_request(const char *chip_path, unsigned int offset, const char *consumer,
                      const struct line_request_spec *spec, struct gpiod_chip **chip_out,
                      struct gpiod_line **line_out)
{
    if (chip_path == NULL || consumer == NULL)
        return -EINVAL;
    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL)
        return negative_errno();
    if (offset >= gpiod_chip_num_lines(chip)) {
        gpiod_chip_close(chip);
        return -ERANGE;
    }
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (line == NULL) {
        int err = negative_errno();
        gpiod_chip_close(chip);
        return err;
    }
    struct gpiod_line_request_config config;
    memset(&config, 0, sizeof config);
    config.consumer = consumer;
    if (spec->output) {
        config.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
        config.flags = spec->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    } else {
        switch (spec->edges) {
        case CLS_EDGE_RISING: config.request_type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
        case CLS_EDGE_FALLING: config.request_type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
        case CLS_EDGE_BOTH: config.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
        default:
            gpiod_chip_close(chip);
            return -EINVAL;
        }
    }
    /* Outputs start logically inactive (default_val 0). */
    if (gpiod_line_request(line, &config, 0) < 0) {
        int err = negative_errno();
        gpiod_chip_close(chip);
        return err;
    }
    *chip_out = chip;
    *line_out = line;
    return 0;
}

int cls_output_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                         int active_low, cls_output_line **out)
{
    if (out == NULL)
        return -EINVAL;
    struct line_request_spec spec = { .output = 1, .active_low = active_low != 0 };
    cls_output_line *handle = calloc(1, sizeof *handle);
    if (handle == NULL)
        return -ENOMEM;
    int err = v1_request(chip_path, offset, consumer, &spec, &handle->chip, &handle->line);
    if (err < 0) {
        free(handle);
        return err;
    }
    *out = handle;
    return 0;
}

int cls_output_line_set(cls_output_line *line, int value)
{
    if (line == NULL)
        return -EINVAL;
    return gpiod_line_set_value(line->line, value != 0) < 0 ? negative_errno() : 0;
}

void cls_output_line_close(cls_output_line *line)
{
    if (line == NULL)
        return;
    gpiod_line_release(line->line);
    gpiod_chip_close(line->chip);
    free(line);
}

int cls_edge_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                       cls_edge_kind edges, cls_edge_line **out)
{
    if (out == NULL)
        return -EINVAL;
    struct line_request_spec spec = { .output = 0, .edges = edges };
    cls_edge_line *handle = calloc(1, sizeof *handle);
    if (handle == NULL)
        return -ENOMEM;
    int err = v1_request(chip_path, offset, consumer, &spec, &handle->chip, &handle->line);
    if (err < 0) {
        free(handle);
        return err;
    }
    *out = handle;
    return 0;
}

int cls_edge_line_wait(cls_edge_line *line, uint64_t timeout_ns, cls_edge_event *event)
{
    if (line == NULL || event == NULL)
        return -EINVAL;
    struct timespec timeout = {
        .tv_sec = (time_t)(timeout_ns / CLS_NS_PER_S),
        .tv_nsec = (long)(timeout_ns % CLS_NS_PER_S),
    };
    int ready = gpiod_line_event_wait(line->line, &timeout);
    if (ready < 0)
        return errno == EINTR ? 0 : negative_errno();
    if (ready == 0)
        return 0;
    struct gpiod_line_event raw;
    if (gpiod_line_event_read(line->line, &raw) < 0)
        return negative_errno();
    /* Since Linux 5.7 the v1 uAPI timestamps events on CLOCK_MONOTONIC too. */
    event->timestamp_ns = timespec_to_ns(&raw.ts);
    event->rising = raw.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    event->lost_before = 0; /* the v1 uAPI carries no sequence numbers */
    return 1;
}

int cls_edge_line_fd(cls_edge_line *line)
{
    if (line == NULL)
        return -EINVAL;
    int fd = gpiod_line_event_get_fd(line->line);
    return fd >= 0 ? fd : negative_errno();
}

size_t cls_edge_line_pending(const cls_edge_line *line)
{
    (void)line;
    return 0; /* v1 reads one event at a time */
}

void cls_edge_line_close(cls_edge_line *line)
{
    if (line == NULL)
        return;
    gpiod_line_release(line->line);
    gpiod_chip_close(line->chip);
    free(line);
}

#else
/* ================================================================================== */
/* libgpiod v2 (2.x)                                                                    */
/* ================================================================================== */

/* How many edge events one read takes from the kernel; the kernel's own buffer holds
 * 16 per requested line by default (gpiod.h, gpiod_edge_event_buffer_new). */
#define CLS_EDGE_BATCH 16

struct cls_output_line {
    struct gpiod_chip *chip;
    struct gpiod_line_request *request;
    unsigned int offset;
};

struct cls_edge_line {
    struct gpiod_chip *chip;
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *buffer;
    size_t count;              /* events in buffer */
    size_t next;               /* next one to hand out */
    unsigned long last_seqno;  /* line sequence number of the last event handed out */
    unsigned int offset;
};

int cls_gpiod_api(void) { return 2; }

/* Opens the chip and requests one line as `spec` says. Returns 0 or -errno. */
static int v2_request(const char *chip_path, unsigned int offset, const char *consumer,
                      const struct line_request_spec *spec, struct gpiod_chip **chip_out,
                      struct gpiod_line_request **request_out)
{
    if (chip_path == NULL || consumer == NULL)
        return -EINVAL;
    int err = 0;
    struct gpiod_chip_info *info = NULL;
    struct gpiod_line_settings *settings = NULL;
    struct gpiod_line_config *line_config = NULL;
    struct gpiod_request_config *request_config = NULL;
    struct gpiod_line_request *request = NULL;

    struct gpiod_chip *chip = gpiod_chip_open(chip_path);
    if (chip == NULL)
        return negative_errno();

    info = gpiod_chip_get_info(chip);
    if (info == NULL) {
        err = negative_errno();
        goto out;
    }
    if (offset >= gpiod_chip_info_get_num_lines(info)) {
        err = -ERANGE;
        goto out;
    }

    settings = gpiod_line_settings_new();
    line_config = gpiod_line_config_new();
    request_config = gpiod_request_config_new();
    if (settings == NULL || line_config == NULL || request_config == NULL) {
        err = -ENOMEM;
        goto out;
    }
    if (spec->output) {
        gpiod_line_settings_set_active_low(settings, spec->active_low != 0);
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0
            || gpiod_line_settings_set_output_value(settings, GPIOD_LINE_VALUE_INACTIVE) < 0) {
            err = negative_errno();
            goto out;
        }
    } else {
        enum gpiod_line_edge edge;
        switch (spec->edges) {
        case CLS_EDGE_RISING: edge = GPIOD_LINE_EDGE_RISING; break;
        case CLS_EDGE_FALLING: edge = GPIOD_LINE_EDGE_FALLING; break;
        case CLS_EDGE_BOTH: edge = GPIOD_LINE_EDGE_BOTH; break;
        default:
            err = -EINVAL;
            goto out;
        }
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0
            || gpiod_line_settings_set_edge_detection(settings, edge) < 0
            || gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0) {
            err = negative_errno();
            goto out;
        }
    }
    if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) < 0) {
        err = negative_errno();
        goto out;
    }
    gpiod_request_config_set_consumer(request_config, consumer);
    request = gpiod_chip_request_lines(chip, request_config, line_config);
    if (request == NULL)
        err = negative_errno();

out:
    /* Guarded: not every 2.x release documents these as NULL-safe. */
    if (request_config != NULL)
        gpiod_request_config_free(request_config);
    if (line_config != NULL)
        gpiod_line_config_free(line_config);
    if (settings != NULL)
        gpiod_line_settings_free(settings);
    if (info != NULL)
        gpiod_chip_info_free(info);
    if (err < 0) {
        gpiod_chip_close(chip);
        return err;
    }
    *chip_out = chip;
    *request_out = request;
    return 0;
}

int cls_output_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                         int active_low, cls_output_line **out)
{
    if (out == NULL)
        return -EINVAL;
    struct line_request_spec spec = { .output = 1, .active_low = active_low != 0 };
    cls_output_line *handle = calloc(1, sizeof *handle);
    if (handle == NULL)
        return -ENOMEM;
    int err = v2_request(chip_path, offset, consumer, &spec, &handle->chip, &handle->request);
    if (err < 0) {
        free(handle);
        return err;
    }
    handle->offset = offset;
    *out = handle;
    return 0;
}

int cls_output_line_set(cls_output_line *line, int value)
{
    if (line == NULL)
        return -EINVAL;
    enum gpiod_line_value level = value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_value(line->request, line->offset, level) < 0
        ? negative_errno() : 0;
}

void cls_output_line_close(cls_output_line *line)
{
    if (line == NULL)
        return;
    gpiod_line_request_release(line->request);
    gpiod_chip_close(line->chip);
    free(line);
}

int cls_edge_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                       cls_edge_kind edges, cls_edge_line **out)
{
    if (out == NULL)
        return -EINVAL;
    struct line_request_spec spec = { .output = 0, .edges = edges };
    cls_edge_line *handle = calloc(1, sizeof *handle);
    if (handle == NULL)
        return -ENOMEM;
    handle->buffer = gpiod_edge_event_buffer_new(CLS_EDGE_BATCH);
    if (handle->buffer == NULL) {
        free(handle);
        return -ENOMEM;
    }
    int err = v2_request(chip_path, offset, consumer, &spec, &handle->chip, &handle->request);
    if (err < 0) {
        gpiod_edge_event_buffer_free(handle->buffer);
        free(handle);
        return err;
    }
    handle->offset = offset;
    *out = handle;
    return 0;
}

int cls_edge_line_wait(cls_edge_line *line, uint64_t timeout_ns, cls_edge_event *event)
{
    if (line == NULL || event == NULL)
        return -EINVAL;
    if (line->next >= line->count) {
        int64_t timeout = timeout_ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)timeout_ns;
        int ready = gpiod_line_request_wait_edge_events(line->request, timeout);
        if (ready < 0)
            return errno == EINTR ? 0 : negative_errno();
        if (ready == 0)
            return 0;
        int read = gpiod_line_request_read_edge_events(line->request, line->buffer,
                                                       CLS_EDGE_BATCH);
        if (read < 0)
            return negative_errno();
        line->count = (size_t)read;
        line->next = 0;
        if (read == 0)
            return 0;
    }
    struct gpiod_edge_event *raw = gpiod_edge_event_buffer_get_event(line->buffer, line->next);
    line->next += 1;
    if (raw == NULL)
        return -EIO;
    /* The kernel numbers each line's events from 1; a jump means it dropped some. */
    unsigned long seqno = gpiod_edge_event_get_line_seqno(raw);
    event->lost_before = seqno > line->last_seqno + 1 ? seqno - line->last_seqno - 1 : 0;
    line->last_seqno = seqno;
    event->timestamp_ns = gpiod_edge_event_get_timestamp_ns(raw);
    event->rising = gpiod_edge_event_get_event_type(raw) == GPIOD_EDGE_EVENT_RISING_EDGE;
    return 1;
}

int cls_edge_line_fd(cls_edge_line *line)
{
    if (line == NULL)
        return -EINVAL;
    int fd = gpiod_line_request_get_fd(line->request);
    return fd >= 0 ? fd : negative_errno();
}

size_t cls_edge_line_pending(const cls_edge_line *line)
{
    return line == NULL || line->next >= line->count ? 0 : line->count - line->next;
}

void cls_edge_line_close(cls_edge_line *line)
{
    if (line == NULL)
        return;
    gpiod_line_request_release(line->request);
    gpiod_chip_close(line->chip);
    gpiod_edge_event_buffer_free(line->buffer);
    free(line);
}

#endif /* libgpiod v1 / v2 */
