#include "cmon/target.h"
