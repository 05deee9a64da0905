/* placeholder */
#include "cmon/fetch.h"
