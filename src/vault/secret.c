/* secret.c — locked, wiped byte buffers (see secret.h). Entry points: vault_init,
 * vault_secret_create, vault_secret_append, vault_secret_destroy. */
#include "vault/secret.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

pixeen_status vault_init(void) {
    if (sodium_init() < 0) return error_set(PIXEEN_ERROR_INTERNAL, "vault: libsodium failed to initialise");
    return PIXEEN_OK;
}

pixeen_status vault_secret_create(size_t cap, vault_secret **out) {
    *out = NULL;
    PX_TRY(vault_init());
    vault_secret *s = calloc(1, sizeof *s);
    if (!s || cap == SIZE_MAX || !(s->data = sodium_malloc(cap + 1))) {
        free(s);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "vault: cannot allocate %zu bytes of locked memory", cap);
    }
    s->data[0] = 0;
    s->cap = cap;
    *out = s;
    return PIXEEN_OK;
}

int vault_secret_append(vault_secret *s, const void *data, size_t len) {
    if (len > s->cap - s->len) return -1;
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = 0;
    return 0;
}

void vault_secret_destroy(vault_secret *s) {
    if (!s) return;
    sodium_free(s->data); /* wipes before freeing */
    free(s);
}
