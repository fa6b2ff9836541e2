#ifndef GREENLANE_CZBAR_SHIM_H
#define GREENLANE_CZBAR_SHIM_H

#include <zbar.h>

#endif
