#ifndef GREENLANE_CZLIB_SHIM_H
#define GREENLANE_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit and deflateInit are macros; Swift cannot call them.
static inline int greenlane_inflateInit(z_streamp stream) {
    return inflateInit(stream);
}

static inline int greenlane_deflateInit2(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

#endif
