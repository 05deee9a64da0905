/* placeholder */
#include "cmon/monitor.h"
