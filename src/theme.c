#include "cmon/theme.h"
