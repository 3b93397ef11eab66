#ifndef DIAGNOSE_CSQLITE_SHIM_H
#define DIAGNOSE_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
