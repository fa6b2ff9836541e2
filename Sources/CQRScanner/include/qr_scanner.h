#ifndef GREENLANE_QR_SCANNER_H
#define GREENLANE_QR_SCANNER_H

// greenlane's QR image reader: JPEG and PNG in, decoded texts out. Built as its own shared object,
// libgreenlane-scanner.so, which both binaries open with dlopen on the first `--image`: zxing-cpp, libjpeg,
// libpng and libexif are then never mapped by a `greenlane verify CODE` process. Plain C types only, so the
// Swift side (GreenlaneScanner) looks the two functions up by name and needs no C++ interoperability.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Results below zero: the kind of failure; the message buffer says more.
enum {
    GL_SCAN_UNSUPPORTED = -1,  // neither PNG nor JPEG
    GL_SCAN_CORRUPT = -2,      // a PNG or JPEG signature followed by data the decoder rejects
    GL_SCAN_TOO_LARGE = -3,    // more pixels than the limits allow, refused before decoding
    GL_SCAN_NO_CODE = -4,      // decoded, scanned, no QR code found
    GL_SCAN_FAILED = -5,       // out of memory, output buffer too small
};

// Every function takes the same limits, checked before any pixel buffer is allocated: max_side, the widest or
// tallest image accepted (pixels); max_pixels, width x height accepted; max_memory, the bytes libjpeg may
// allocate for one image. Zero or less means the default (10,000; 50,000,000; 512 MiB).

/// Finds every QR code in a PNG or JPEG held in memory (EXIF orientation applied). Writes each text as a
/// 4-byte little-endian length followed by its bytes into `out`; returns how many, or a GL_SCAN_ value.
int32_t gl_scan_read(const uint8_t *file, size_t size, int32_t max_side, int64_t max_pixels,
                     int64_t max_memory, uint8_t *out, size_t out_capacity, char *message, size_t message_capacity);

/// Decodes a PNG or JPEG to 8-bit gray, EXIF orientation applied, into a buffer the caller frees with
/// gl_scan_free. Returns 0 or a GL_SCAN_ value. For tests and the corpus tools.
int32_t gl_scan_decode(const uint8_t *file, size_t size, int32_t max_side, int64_t max_pixels,
                       int64_t max_memory, int32_t *width, int32_t *height, uint8_t **pixels, char *message, size_t message_capacity);

void gl_scan_free(uint8_t *pixels);

#ifdef __cplusplus
}
#endif

#endif
