// GNU extensions the header must not see (see CKMemBaselineShims.h).
#define _GNU_SOURCE
#include <unistd.h>

#include "CKMemBaselineShims.h"

char **kmem_baseline_environ(void) { return environ; }
