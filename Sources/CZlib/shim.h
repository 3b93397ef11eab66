#ifndef DIAGNOSE_CZLIB_SHIM_H
#define DIAGNOSE_CZLIB_SHIM_H
#include <zlib.h>
#endif
