// Header-only (include/spin_wait.h); SwiftPM needs one source file in a C target.
#include "spin_wait.h"
