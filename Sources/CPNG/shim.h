#ifndef GREENLANE_CPNG_SHIM_H
#define GREENLANE_CPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

// libpng reports errors by longjmp, which must never cross a Swift frame. Every libpng call that can fail
// runs inside one of the small helpers below: each sets its own jump target and returns 0 on failure, with
// libpng's message copied into a `greenlane_png_error` that the Swift side owns.

typedef struct greenlane_png_error {
    char message[256];
} greenlane_png_error;

/// A PNG in memory, read front to back.
typedef struct greenlane_png_source {
    const unsigned char *data;
    size_t size;
    size_t offset;
} greenlane_png_source;

static inline void greenlane_png_on_error(png_structp png, png_const_charp message) {
    greenlane_png_error *error = (greenlane_png_error *)png_get_error_ptr(png);
    if (error != NULL) {
        snprintf(error->message, sizeof error->message, "%s", message != NULL ? message : "unknown error");
    }
    png_longjmp(png, 1);
}

// Warnings (bad CRC in an ancillary chunk, odd sRGB profiles) are not worth a line on stderr.
static inline void greenlane_png_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static inline void greenlane_png_read_from_source(png_structp png, png_bytep out, size_t count) {
    greenlane_png_source *source = (greenlane_png_source *)png_get_io_ptr(png);
    if (source == NULL || source->size - source->offset < count) {
        png_error(png, "the file ends early (truncated PNG)");
    }
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

static inline png_structp greenlane_png_create_read(greenlane_png_error *error) {
    return png_create_read_struct(PNG_LIBPNG_VER_STRING, error, greenlane_png_on_error, greenlane_png_on_warning);
}

static inline png_structp greenlane_png_create_write(greenlane_png_error *error) {
    return png_create_write_struct(PNG_LIBPNG_VER_STRING, error, greenlane_png_on_error, greenlane_png_on_warning);
}

/// Reads the chunks up to the image data. Returns 0 on a libpng error.
static inline __attribute__((noinline)) int greenlane_png_read_header(
    png_structp png, png_infop info, greenlane_png_source *source) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_set_read_fn(png, source, greenlane_png_read_from_source);
    png_read_info(png, info);
    return 1;
}

/// Asks libpng for 8-bit gray, with an alpha channel when the file has transparency (the caller composites
/// it over white: dropping alpha would turn transparent light modules into whatever colour they hide).
static inline __attribute__((noinline)) int greenlane_png_setup_gray8(png_structp png, png_infop info) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_byte colorType = png_get_color_type(png, info);
    png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
    png_set_strip_16(png);
    if (colorType == PNG_COLOR_TYPE_PALETTE || (colorType & PNG_COLOR_MASK_COLOR) != 0) {
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);  // 1: convert silently, default weights
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return 1;
}

/// Reads every row (after setup) and the chunks after the image data.
static inline __attribute__((noinline)) int greenlane_png_read_rows(png_structp png, png_infop info, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_read_image(png, rows);
    png_read_end(png, info);
    return 1;
}

/// Writes an 8-bit grayscale image through the write function already set with png_set_write_fn.
static inline __attribute__((noinline)) int greenlane_png_write_gray8(
    png_structp png, png_infop info, png_uint_32 width, png_uint_32 height, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    return 1;
}

#endif
