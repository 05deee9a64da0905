#include "cmon/format.h"
