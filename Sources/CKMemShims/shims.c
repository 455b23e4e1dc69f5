#include "CKMemShims.h"

__thread struct kmem_task_state kmem_task_state_tls = { 0, 0, 0, 0, -1, 0, 0 };
