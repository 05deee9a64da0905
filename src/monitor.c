#include "cmon/monitor.h"
