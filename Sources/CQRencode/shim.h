#ifndef GREENLANE_CQRENCODE_SHIM_H
#define GREENLANE_CQRENCODE_SHIM_H

#include <qrencode.h>

#endif
