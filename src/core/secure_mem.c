/* secure_mem.c — wipe-then-free for private host buffers (see secure_mem.h). */
#include "core/secure_mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

void secure_free(void *p, size_t bytes) {
    if (!p) return;
    platform_wipe(p, bytes);
    free(p);
}

void *secure_grow(void *p, size_t old_bytes, size_t new_bytes) {
    void *q = malloc(new_bytes ? new_bytes : 1);
    if (!q) return NULL;
    if (p) {
        memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
        secure_free(p, old_bytes);
    }
    return q;
}
