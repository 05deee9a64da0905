#include "cmon/varspec.h"
