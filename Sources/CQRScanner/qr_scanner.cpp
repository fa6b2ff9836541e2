// greenlane's QR image reader (see include/qr_scanner.h): decoding with libpng and libjpeg-turbo, EXIF
// orientation with libexif, QR detection with zxing-cpp 1.4 (Debian's libzxing), plus the retries that
// version lacks: inversion, several scales, a global threshold, smoothing. BENCHMARKS.md ("reading photos
// and scans") has the numbers each retry earns.
//
// libpng and libjpeg report errors by longjmp. Every call into them that can fail sits in a small function
// with its own setjmp and no C++ object that needs a destructor; buffers are allocated by the caller.
#include "qr_scanner.h"

#define ZX_USE_UTF8 1  // Result::text() as UTF-8 std::string
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>
#include <libexif/exif-data.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <jpeglib.h>

namespace {

struct gl_scan_limits {
    int32_t max_side;
    int64_t max_pixels;
    int64_t max_memory;
};

struct Gray {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
    uint8_t at(int x, int y) const { return pixels[size_t(y) * size_t(width) + size_t(x)]; }
};

struct Failure {
    int32_t code;
    std::string message;
};

void checkSize(long width, long height, const gl_scan_limits &limits) {
    if (width < 1 || height < 1 || width > limits.max_side || height > limits.max_side ||
        width * height > limits.max_pixels) {
        throw Failure{GL_SCAN_TOO_LARGE, "the image is " + std::to_string(width) + " x " + std::to_string(height) +
                                             " pixels; at most " + std::to_string(limits.max_side) + " a side and " +
                                             std::to_string(limits.max_pixels) + " pixels are read"};
    }
}

// MARK: EXIF orientation

/// The orientation tag (1-8) of an EXIF block starting with "Exif\0\0", or 1 when absent or unreadable.
int exifOrientation(const uint8_t *data, size_t size) {
    if (data == nullptr || size < 14 || size > 0xFFFF) return 1;
    ExifData *exif = exif_data_new_from_data(data, static_cast<unsigned int>(size));
    if (exif == nullptr) return 1;
    int orientation = 1;
    ExifEntry *entry = exif_content_get_entry(exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (entry != nullptr && entry->format == EXIF_FORMAT_SHORT && entry->components >= 1 && entry->size >= 2) {
        int value = exif_get_short(entry->data, exif_data_get_byte_order(exif));
        if (value >= 1 && value <= 8) orientation = value;
    }
    exif_data_unref(exif);
    return orientation;
}

/// The image as a viewer shows it: the stored pixels turned and mirrored as the EXIF tag says.
Gray oriented(Gray stored, int orientation) {
    if (orientation <= 1 || orientation > 8) return stored;
    const int w = stored.width, h = stored.height;
    const bool swaps = orientation >= 5;
    Gray shown;
    shown.width = swaps ? h : w;
    shown.height = swaps ? w : h;
    shown.pixels.resize(stored.pixels.size());
    for (int y = 0; y < shown.height; y++) {
        for (int x = 0; x < shown.width; x++) {
            int sx = x, sy = y;
            switch (orientation) {
                case 2: sx = w - 1 - x; break;
                case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                case 4: sy = h - 1 - y; break;
                case 5: sx = y; sy = x; break;
                case 6: sx = y; sy = h - 1 - x; break;
                case 7: sx = w - 1 - y; sy = h - 1 - x; break;
                case 8: sx = w - 1 - y; sy = x; break;
            }
            shown.pixels[size_t(y) * size_t(shown.width) + size_t(x)] = stored.at(sx, sy);
        }
    }
    return shown;
}

// MARK: JPEG

struct JPEGError {
    jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

void jpegExit(j_common_ptr info) {
    auto *error = reinterpret_cast<JPEGError *>(info->err);
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

void jpegQuiet(j_common_ptr, int) {}  // corrupt-data warnings: the image still decodes

/// Reads the header and the EXIF orientation, and starts decompressing to gray. 0 on a libjpeg error.
int jpegStart(jpeg_decompress_struct *info, JPEGError *error, const uint8_t *data, size_t size, long maxMemory,
              int *orientation) {
    if (setjmp(error->jump)) return 0;
    jpeg_create_decompress(info);
    info->mem->max_memory_to_use = maxMemory;
    jpeg_mem_src(info, data, static_cast<unsigned long>(size));
    jpeg_save_markers(info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(info, TRUE);
    for (jpeg_saved_marker_ptr marker = info->marker_list; marker != nullptr; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 &&
            std::memcmp(marker->data, "Exif\0\0", 6) == 0) {
            *orientation = exifOrientation(marker->data, marker->data_length);
            break;
        }
    }
    info->out_color_space = JCS_GRAYSCALE;
    return 1;
}

int jpegDecompress(jpeg_decompress_struct *info, JPEGError *error) {
    if (setjmp(error->jump)) return 0;
    jpeg_start_decompress(info);
    return 1;
}

int jpegRows(jpeg_decompress_struct *info, JPEGError *error, uint8_t *pixels, size_t rowBytes) {
    if (setjmp(error->jump)) return 0;
    while (info->output_scanline < info->output_height) {
        JSAMPROW row = pixels + size_t(info->output_scanline) * rowBytes;
        jpeg_read_scanlines(info, &row, 1);
    }
    jpeg_finish_decompress(info);
    return 1;
}

Gray decodeJPEG(const uint8_t *data, size_t size, const gl_scan_limits &limits) {
    jpeg_decompress_struct info;
    JPEGError error;
    std::memset(&info, 0, sizeof info);
    std::memset(&error, 0, sizeof error);
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jpegExit;
    error.manager.emit_message = jpegQuiet;
    struct Destroy {
        jpeg_decompress_struct *info;
        ~Destroy() { jpeg_destroy_decompress(info); }
    };
    int orientation = 1;
    bool started = jpegStart(&info, &error, data, size, long(limits.max_memory), &orientation);
    Destroy destroy{&info};
    if (!started) throw Failure{GL_SCAN_CORRUPT, std::string("libjpeg rejected the JPEG: ") + error.message};
    // Checked before any pixel buffer is allocated.
    checkSize(long(info.image_width), long(info.image_height), limits);
    if (!jpegDecompress(&info, &error)) {
        throw Failure{GL_SCAN_CORRUPT, std::string("libjpeg cannot decode the JPEG: ") + error.message};
    }
    if (info.output_components != 1) throw Failure{GL_SCAN_CORRUPT, "libjpeg did not give gray pixels"};
    Gray image;
    image.width = int(info.output_width);
    image.height = int(info.output_height);
    image.pixels.resize(size_t(image.width) * size_t(image.height));
    if (!jpegRows(&info, &error, image.pixels.data(), size_t(image.width))) {
        throw Failure{GL_SCAN_CORRUPT, std::string("libjpeg cannot read the JPEG's pixels: ") + error.message};
    }
    return oriented(std::move(image), orientation);
}

// MARK: PNG

struct PNGSource {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char message[256];
};

void pngError(png_structp png, png_const_charp message) {
    auto *source = static_cast<PNGSource *>(png_get_error_ptr(png));
    std::snprintf(source->message, sizeof source->message, "%s", message != nullptr ? message : "unknown error");
    png_longjmp(png, 1);
}

void pngWarning(png_structp, png_const_charp) {}

void pngRead(png_structp png, png_bytep out, size_t count) {
    auto *source = static_cast<PNGSource *>(png_get_io_ptr(png));
    if (source->size - source->offset < count) png_error(png, "the file ends early (truncated PNG)");
    std::memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

/// Reads the chunks before the image data, then asks for 8-bit gray (plus alpha when the file has
/// transparency). 0 on a libpng error. The size is checked by the caller before any row is read.
int pngStart(png_structp png, png_infop info, int *orientation) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 exifSize = 0;
    png_bytep exif = nullptr;
    if (png_get_eXIf_1(png, info, &exifSize, &exif) != 0 && exif != nullptr && exifSize >= 8 && exifSize < 0xFFF0) {
        unsigned char block[0xFFF6];  // libexif wants the JPEG APP1 form: "Exif\0\0" then the TIFF data
        std::memcpy(block, "Exif\0\0", 6);
        std::memcpy(block + 6, exif, exifSize);
        *orientation = exifOrientation(block, exifSize + 6);
    }
#endif
    png_byte colorType = png_get_color_type(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    if (colorType == PNG_COLOR_TYPE_PALETTE || (colorType & PNG_COLOR_MASK_COLOR) != 0) {
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return 1;
}

int pngRows(png_structp png, png_infop info, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return 0;
    png_read_image(png, rows);
    png_read_end(png, info);
    return 1;
}

Gray decodePNG(const uint8_t *data, size_t size, const gl_scan_limits &limits) {
    PNGSource source{data, size, 0, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, pngError, pngWarning);
    if (png == nullptr) throw Failure{GL_SCAN_FAILED, "libpng could not start (out of memory)"};
    png_infop info = png_create_info_struct(png);
    struct Destroy {
        png_structp *png;
        png_infop *info;
        ~Destroy() { png_destroy_read_struct(png, info, nullptr); }
    } destroy{&png, &info};
    if (info == nullptr) throw Failure{GL_SCAN_FAILED, "libpng could not start (out of memory)"};
    png_set_read_fn(png, &source, pngRead);
    int orientation = 1;
    if (!pngStart(png, info, &orientation)) {
        throw Failure{GL_SCAN_CORRUPT, std::string("libpng rejected the PNG: ") + source.message};
    }
    const long width = long(png_get_image_width(png, info)), height = long(png_get_image_height(png, info));
    checkSize(width, height, limits);
    const size_t channels = png_get_channels(png, info), rowBytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 2) || rowBytes != size_t(width) * channels) {
        throw Failure{GL_SCAN_CORRUPT, "libpng did not give 8-bit gray pixels"};
    }
    std::vector<uint8_t> raw(rowBytes * size_t(height));
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    for (long y = 0; y < height; y++) rows[size_t(y)] = raw.data() + size_t(y) * rowBytes;
    if (!pngRows(png, info, rows.data())) {
        throw Failure{GL_SCAN_CORRUPT, std::string("libpng cannot read the PNG's pixels: ") + source.message};
    }
    Gray image;
    image.width = int(width);
    image.height = int(height);
    if (channels == 1) {
        image.pixels = std::move(raw);
    } else {
        // Composited over white, as a viewer shows a transparent image on a page.
        image.pixels.resize(size_t(width) * size_t(height));
        for (size_t i = 0; i < image.pixels.size(); i++) {
            int gray = raw[2 * i], alpha = raw[2 * i + 1];
            image.pixels[i] = uint8_t((gray * alpha + 255 * (255 - alpha) + 127) / 255);
        }
    }
    return oriented(std::move(image), orientation);
}

Gray decode(const uint8_t *data, size_t size, const gl_scan_limits &limits) {
    static const uint8_t pngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (data != nullptr && size >= 8 && std::memcmp(data, pngSignature, 8) == 0) return decodePNG(data, size, limits);
    if (data != nullptr && size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        return decodeJPEG(data, size, limits);
    }
    throw Failure{GL_SCAN_UNSUPPORTED, "the data (" + std::to_string(size) +
                                           " bytes) is neither a PNG nor a JPEG (no PNG or JPEG signature)"};
}

// MARK: Retries

Gray inverted(const Gray &image) {
    Gray out = image;
    for (auto &pixel : out.pixels) pixel = uint8_t(255 - pixel);
    return out;
}

/// Bilinear enlargement by an integer factor: gives zxing's sampler more than one pixel per module.
Gray enlarged(const Gray &image, int factor) {
    Gray out;
    out.width = image.width * factor;
    out.height = image.height * factor;
    out.pixels.resize(size_t(out.width) * size_t(out.height));
    for (int y = 0; y < out.height; y++) {
        float fy = std::max(0.0f, (y + 0.5f) / factor - 0.5f);
        int y0 = std::min(int(fy), image.height - 1), y1 = std::min(y0 + 1, image.height - 1);
        float wy = fy - y0;
        for (int x = 0; x < out.width; x++) {
            float fx = std::max(0.0f, (x + 0.5f) / factor - 0.5f);
            int x0 = std::min(int(fx), image.width - 1), x1 = std::min(x0 + 1, image.width - 1);
            float wx = fx - x0;
            float top = image.at(x0, y0) * (1 - wx) + image.at(x1, y0) * wx;
            float bottom = image.at(x0, y1) * (1 - wx) + image.at(x1, y1) * wx;
            out.pixels[size_t(y) * size_t(out.width) + size_t(x)] = uint8_t(top * (1 - wy) + bottom * wy + 0.5f);
        }
    }
    return out;
}

/// Each output pixel the mean of a factor x factor block: averages noise away.
Gray reduced(const Gray &image, int factor) {
    Gray out;
    out.width = image.width / factor;
    out.height = image.height / factor;
    out.pixels.resize(size_t(out.width) * size_t(out.height));
    for (int y = 0; y < out.height; y++) {
        for (int x = 0; x < out.width; x++) {
            int sum = 0;
            for (int dy = 0; dy < factor; dy++)
                for (int dx = 0; dx < factor; dx++) sum += image.at(x * factor + dx, y * factor + dy);
            out.pixels[size_t(y) * size_t(out.width) + size_t(x)] = uint8_t(sum / (factor * factor));
        }
    }
    return out;
}

/// A (2r+1)-square box mean, same size: smooths noise without moving edges by more than r pixels.
Gray smoothed(const Gray &image, int r) {
    Gray out = image;
    Gray pass = image;
    for (int y = 0; y < image.height; y++) {  // horizontal
        for (int x = 0; x < image.width; x++) {
            int sum = 0, n = 0;
            for (int k = std::max(0, x - r); k <= std::min(image.width - 1, x + r); k++, n++) sum += image.at(k, y);
            pass.pixels[size_t(y) * size_t(image.width) + size_t(x)] = uint8_t(sum / n);
        }
    }
    for (int y = 0; y < image.height; y++) {  // vertical
        for (int x = 0; x < image.width; x++) {
            int sum = 0, n = 0;
            for (int k = std::max(0, y - r); k <= std::min(image.height - 1, y + r); k++, n++) sum += pass.at(x, k);
            out.pixels[size_t(y) * size_t(image.width) + size_t(x)] = uint8_t(sum / n);
        }
    }
    return out;
}

/// Unsharp mask: steepens edges that blur has made shallow.
Gray sharpened(const Gray &image) {
    Gray blurred = smoothed(image, 2), out = image;
    for (size_t i = 0; i < out.pixels.size(); i++) {
        int value = 2 * int(image.pixels[i]) - int(blurred.pixels[i]);
        out.pixels[i] = uint8_t(std::clamp(value, 0, 255));
    }
    return out;
}

/// The image resampled so that one side, shortened to `ratio` of its length by a steep viewing angle, is as long
/// as the opposite side again (`side`: 0 top, 1 right, 2 bottom, 3 left). zxing-cpp 1.4 finds the finder
/// patterns of a steep view but rejects their geometry; undone approximately, the view reads.
Gray keystoned(const Gray &image, int side, float ratio) {
    const float w = float(image.width), h = float(image.height), inset = (1 - ratio) / 2;
    // The quad of the source that becomes the whole output: corners top-left, top-right, bottom-right,
    // bottom-left.
    float qx[4] = {0, w, w, 0}, qy[4] = {0, 0, h, h};
    switch (side) {
        case 0: qx[0] = w * inset; qx[1] = w * (1 - inset); break;
        case 1: qy[1] = h * inset; qy[2] = h * (1 - inset); break;
        case 2: qx[3] = w * inset; qx[2] = w * (1 - inset); break;
        default: qy[0] = h * inset; qy[3] = h * (1 - inset); break;
    }
    // The unit square onto that quad (Heckbert's closed form).
    const float dx1 = qx[1] - qx[2], dx2 = qx[3] - qx[2], sx = qx[0] - qx[1] + qx[2] - qx[3];
    const float dy1 = qy[1] - qy[2], dy2 = qy[3] - qy[2], sy = qy[0] - qy[1] + qy[2] - qy[3];
    const float det = dx1 * dy2 - dx2 * dy1;
    const float g = (sx * dy2 - dx2 * sy) / det, k = (dx1 * sy - sx * dy1) / det;
    const float a = qx[1] - qx[0] + g * qx[1], b = qx[3] - qx[0] + k * qx[3], c = qx[0];
    const float d = qy[1] - qy[0] + g * qy[1], e = qy[3] - qy[0] + k * qy[3], f = qy[0];
    Gray out;
    out.width = image.width;
    out.height = image.height;
    out.pixels.assign(image.pixels.size(), 255);
    for (int y = 0; y < out.height; y++) {
        const float v = (y + 0.5f) / h;
        for (int x = 0; x < out.width; x++) {
            const float u = (x + 0.5f) / w, z = g * u + k * v + 1;
            const float fx = (a * u + b * v + c) / z - 0.5f, fy = (d * u + e * v + f) / z - 0.5f;
            if (fx < 0 || fy < 0 || fx > w - 1 || fy > h - 1) continue;
            const int x0 = int(fx), y0 = int(fy);
            const int x1 = std::min(x0 + 1, image.width - 1), y1 = std::min(y0 + 1, image.height - 1);
            const float wx = fx - x0, wy = fy - y0;
            const float top = image.at(x0, y0) * (1 - wx) + image.at(x1, y0) * wx;
            const float bottom = image.at(x0, y1) * (1 - wx) + image.at(x1, y1) * wx;
            out.pixels[size_t(y) * size_t(out.width) + size_t(x)] = uint8_t(top * (1 - wy) + bottom * wy + 0.5f);
        }
    }
    return out;
}

std::vector<std::string> scan(const Gray &image, ZXing::Binarizer binarizer) {
    std::vector<std::string> texts;
    if (image.width < 21 || image.height < 21) return texts;
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);
    hints.setTryHarder(true);
    hints.setTryRotate(false);  // QR detection is rotation-invariant; the flag only turns 1-D scans
    hints.setBinarizer(binarizer);
    ZXing::ImageView view(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum);
    for (const auto &result : ZXing::ReadBarcodes(view, hints)) {
        if (!result.isValid()) continue;
        std::string text = result.text();
        if (std::find(texts.begin(), texts.end(), text) == texts.end()) texts.push_back(text);
    }
    return texts;
}

/// zxing-cpp 1.4 on the image as it is, then on altered copies until one reads. Each retry is here because
/// a condition of the degraded-image corpus needs it (scripts/qr-corpus.py).
std::vector<std::string> read(const Gray &image) {
    using ZXing::Binarizer;
    auto texts = scan(image, Binarizer::LocalAverage);
    if (!texts.empty()) return texts;
    // Light modules on a dark ground: 1.4 has no tryInvert.
    texts = scan(inverted(image), Binarizer::LocalAverage);
    if (!texts.empty()) return texts;
    const long pixels = long(image.width) * long(image.height);
    // 1 to 2 pixels a module: enlarged, the finder patterns' 1:1:3:1:1 runs become measurable.
    for (int factor : {2, 3}) {
        if (pixels * factor * factor > 16'000'000) break;
        Gray big = enlarged(image, factor);
        texts = scan(big, Binarizer::LocalAverage);
        if (!texts.empty()) return texts;
    }
    // Heavy noise: averaged blocks, then a global threshold that noise cannot fool locally.
    for (int factor : {2, 3, 4}) {
        if (image.width / factor < 21 || image.height / factor < 21) break;
        Gray small = reduced(image, factor);
        texts = scan(small, Binarizer::LocalAverage);
        if (!texts.empty()) return texts;
        texts = scan(small, Binarizer::GlobalHistogram);
        if (!texts.empty()) return texts;
    }
    texts = scan(smoothed(image, 2), Binarizer::GlobalHistogram);
    if (!texts.empty()) return texts;
    // Blur: edges steepened again.
    texts = scan(sharpened(image), Binarizer::LocalAverage);
    if (!texts.empty()) return texts;
    // A steep view: each side in turn assumed to be the far one.
    if (pixels <= 16'000'000) {
        for (float ratio : {0.6f, 0.45f, 0.75f}) {
            for (int side = 0; side < 4; side++) {
                texts = scan(keystoned(image, side, ratio), Binarizer::LocalAverage);
                if (!texts.empty()) return texts;
            }
        }
    }
    return texts;
}

gl_scan_limits checked(int32_t maxSide, int64_t maxPixels, int64_t maxMemory) {
    return gl_scan_limits{maxSide > 0 ? maxSide : 10'000, maxPixels > 0 ? maxPixels : 50'000'000,
                          maxMemory > 0 ? maxMemory : int64_t(512) << 20};
}

void copyMessage(const std::string &text, char *message, size_t capacity) {
    if (message == nullptr || capacity == 0) return;
    std::snprintf(message, capacity, "%s", text.c_str());
}

}  // namespace

extern "C" int32_t gl_scan_read(const uint8_t *file, size_t size, int32_t max_side, int64_t max_pixels,
                                int64_t max_memory, uint8_t *out,
                                size_t out_capacity, char *message, size_t message_capacity) {
    try {
        Gray image = decode(file, size, checked(max_side, max_pixels, max_memory));
        auto texts = read(image);
        if (texts.empty()) {
            throw Failure{GL_SCAN_NO_CODE, "no QR code found in the " + std::to_string(image.width) + " x " +
                                               std::to_string(image.height) + " image"};
        }
        size_t offset = 0;
        for (const auto &text : texts) {
            if (out == nullptr || out_capacity - offset < 4 + text.size()) {
                throw Failure{GL_SCAN_FAILED, "the decoded texts do not fit the output buffer"};
            }
            const uint32_t length = uint32_t(text.size());
            for (int i = 0; i < 4; i++) out[offset + i] = uint8_t(length >> (8 * i));
            std::memcpy(out + offset + 4, text.data(), text.size());
            offset += 4 + text.size();
        }
        return int32_t(texts.size());
    } catch (const Failure &failure) {
        copyMessage(failure.message, message, message_capacity);
        return failure.code;
    } catch (const std::bad_alloc &) {
        copyMessage("out of memory while reading the image", message, message_capacity);
        return GL_SCAN_FAILED;
    } catch (const std::exception &error) {
        copyMessage(std::string("the image reader failed: ") + error.what(), message, message_capacity);
        return GL_SCAN_FAILED;
    }
}

extern "C" int32_t gl_scan_decode(const uint8_t *file, size_t size, int32_t max_side, int64_t max_pixels,
                                  int64_t max_memory, int32_t *width, int32_t *height, uint8_t **pixels, char *message, size_t message_capacity) {
    try {
        Gray image = decode(file, size, checked(max_side, max_pixels, max_memory));
        auto *buffer = static_cast<uint8_t *>(std::malloc(image.pixels.size()));
        if (buffer == nullptr) throw std::bad_alloc();
        std::memcpy(buffer, image.pixels.data(), image.pixels.size());
        *width = image.width;
        *height = image.height;
        *pixels = buffer;
        return 0;
    } catch (const Failure &failure) {
        copyMessage(failure.message, message, message_capacity);
        return failure.code;
    } catch (const std::exception &) {
        copyMessage("out of memory while decoding the image", message, message_capacity);
        return GL_SCAN_FAILED;
    }
}

extern "C" void gl_scan_free(uint8_t *pixels) { std::free(pixels); }
