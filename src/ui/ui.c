/* placeholder */
#include "ui.h"
