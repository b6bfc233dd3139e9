/*
 * clinuxshim.h: the small C layer between LinuxHardware (Swift) and the Linux I2C and
 * GPIO user-space interfaces (i2c-dev through libi2c, the GPIO character device through
 * libgpiod v1 or v2).
 *
 * Conventions:
 *  - Every function that can fail returns a negative errno (-ENOENT, -ENXIO, ...) and
 *    never relies on the caller reading the global errno afterwards.
 *  - GPIO lines are opaque handles; each owns its own chip and request, there is no
 *    global mutable state, so different lines may be used from different threads (one
 *    handle must not be used from two threads at once).
 *  - Nothing here allocates on the per-transfer path: reads go into the caller's buffer.
 */
#ifndef CLINUXSHIM_H
#define CLINUXSHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* I2C                                                                                  */
/* ---------------------------------------------------------------------------------- */

/*
 * Functionality bits reported by the I2C_FUNCS ioctl. The values mirror
 * <linux/i2c.h>; clinuxshim.c checks at compile time that they still match.
 */
enum {
    /* I2C_FUNC_I2C (linux/i2c.h): plain I2C messages, so I2C_RDWR combined transfers. */
    CLS_I2C_FUNC_I2C = 0x00000001,
    /* I2C_FUNC_SMBUS_READ_BYTE_DATA (linux/i2c.h): SMBus "read byte data". */
    CLS_I2C_FUNC_SMBUS_READ_BYTE_DATA = 0x00080000,
    /* I2C_FUNC_SMBUS_WRITE_BYTE_DATA (linux/i2c.h): SMBus "write byte data". */
    CLS_I2C_FUNC_SMBUS_WRITE_BYTE_DATA = 0x00100000,
    /* I2C_FUNC_SMBUS_READ_I2C_BLOCK (linux/i2c.h): I2C-style block read, up to 32 bytes. */
    CLS_I2C_FUNC_SMBUS_READ_I2C_BLOCK = 0x04000000,
};

enum {
    /* I2C_SMBUS_BLOCK_MAX (linux/i2c.h): longest SMBus block, "as specified in SMBus". */
    CLS_I2C_SMBUS_BLOCK_MAX = 32,
    /* i2cdev_ioctl_rdwr (drivers/i2c/i2c-dev.c) rejects any message longer than 8192. */
    CLS_I2C_RDWR_MAX_MESSAGE_LENGTH = 8192,
};

/* Opens an i2c-dev node such as "/dev/i2c-1" read-write, close-on-exec.
 * Returns the file descriptor (>= 0) or -errno. */
int cls_i2c_open(const char *path);

/* Closes a descriptor from cls_i2c_open. Returns 0 or -errno. */
int cls_i2c_close(int fd);

/* Queries the adapter's functionality bits (I2C_FUNCS) into *funcs.
 * Returns 0 or -errno. */
int cls_i2c_functionality(int fd, unsigned long *funcs);

/* Selects the 7-bit slave address for the SMBus calls that follow (I2C_SLAVE).
 * Never forces: an address claimed by a kernel driver gives -EBUSY.
 * Returns 0 or -errno. */
int cls_i2c_set_address(int fd, uint8_t address);

/* SMBus read byte data. Returns the byte (0...255) or -errno. */
int cls_i2c_read_byte_data(int fd, uint8_t reg);

/* SMBus write byte data. Returns 0 or -errno. */
int cls_i2c_write_byte_data(int fd, uint8_t reg, uint8_t value);

/* SMBus I2C-block read of `length` (1...32) bytes starting at `reg`, into `buffer`.
 * Returns 0 when all `length` bytes were read, -EINVAL for a bad length, -EIO for a
 * short read, or -errno. */
int cls_i2c_read_i2c_block(int fd, uint8_t reg, uint8_t *buffer, size_t length);

/* One combined I2C_RDWR transaction at `address`: write the register pointer `reg`,
 * repeated start, read `length` (1...8192) bytes into `buffer`. Needs CLS_I2C_FUNC_I2C.
 * Returns 0 or -errno. */
int cls_i2c_read_combined(int fd, uint8_t address, uint8_t reg, uint8_t *buffer,
                          size_t length);

/* ---------------------------------------------------------------------------------- */
/* GPIO                                                                                 */
/* ---------------------------------------------------------------------------------- */

/* Which edges an edge-event line reports. */
typedef enum {
    CLS_EDGE_RISING = 1,
    CLS_EDGE_FALLING = 2,
    CLS_EDGE_BOTH = 3,
} cls_edge_kind;

/* One edge as the kernel timestamped it. */
typedef struct {
    /* Kernel timestamp of the edge, CLOCK_MONOTONIC nanoseconds. */
    uint64_t timestamp_ns;
    /* 1 for a rising edge, 0 for a falling edge. */
    int rising;
    /* Events the kernel dropped just before this one (from the line sequence number;
     * libgpiod v2 only, always 0 with v1). */
    uint64_t lost_before;
} cls_edge_event;

/* An opaque requested output line. */
typedef struct cls_output_line cls_output_line;
/* An opaque requested edge-event input line. */
typedef struct cls_edge_line cls_edge_line;

/* Requests line `offset` of chip `chip_path` (e.g. "/dev/gpiochip0") as an output for
 * `consumer`, logically inactive at first; `active_low` != 0 inverts the electrical
 * level. On success stores a new handle in *out and returns 0; else returns -errno
 * (-ERANGE: the chip has no line `offset`; -EBUSY: the line is in use). */
int cls_output_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                         int active_low, cls_output_line **out);

/* Drives the line logically active (value != 0) or inactive. Returns 0 or -errno. */
int cls_output_line_set(cls_output_line *line, int value);

/* Releases the line and closes its chip. Accepts NULL. */
void cls_output_line_close(cls_output_line *line);

/* Requests line `offset` of chip `chip_path` as an input reporting `edges`, with
 * kernel CLOCK_MONOTONIC timestamps. Errors as cls_output_line_open. */
int cls_edge_line_open(const char *chip_path, unsigned int offset, const char *consumer,
                       cls_edge_kind edges, cls_edge_line **out);

/* Waits up to `timeout_ns` for the next edge. Returns 1 and fills *event, 0 on timeout
 * (or when a signal interrupted the wait), or -errno. Events already read from the
 * kernel in a batch are returned first, without waiting. */
int cls_edge_line_wait(cls_edge_line *line, uint64_t timeout_ns, cls_edge_event *event);

/* The file descriptor that becomes readable (poll POLLIN) when an edge is pending, or
 * -errno. Owned by the handle: do not close it. Note that edges already read in a
 * batch (libgpiod v2) are not signalled on it: call cls_edge_line_pending first. */
int cls_edge_line_fd(cls_edge_line *line);

/* How many events were read from the kernel but not yet returned (v2 batches). */
size_t cls_edge_line_pending(const cls_edge_line *line);

/* Releases the line and closes its chip. Accepts NULL. */
void cls_edge_line_close(cls_edge_line *line);

/* 2 when built against the libgpiod v2 API, 1 for v1. */
int cls_gpiod_api(void);

#ifdef __cplusplus
}
#endif

#endif /* CLINUXSHIM_H */
