// Implemented in issue 6 (see report.h / render.h).
#include "report/render.h"
