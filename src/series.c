#include "cmon/series.h"
