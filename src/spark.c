#include "cmon/spark.h"
