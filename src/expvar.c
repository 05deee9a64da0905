#include "cmon/expvar.h"
