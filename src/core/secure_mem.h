/* secure_mem.h — releasing host memory that held something private (a prompt, its tokens and
 * weights, an image): it is overwritten with zeros first, so freed heap blocks hold no plaintext for
 * a later allocation, a core file or a swap page to reveal. Works with plain malloc/free blocks:
 * callers pass the byte count they wrote (the block's size or less).
 * Entry points: secure_free, secure_grow. */
#ifndef PIXEEN_CORE_SECURE_MEM_H
#define PIXEEN_CORE_SECURE_MEM_H

#include <stddef.h>

/* Wipes the first `bytes` bytes of p (a malloc'd block, or NULL), then frees it. */
void secure_free(void *p, size_t bytes);

/* realloc for private data: returns a new block of new_bytes holding the first old_bytes of p,
 * and wipes and frees p. realloc would leave the old block's contents behind when it moves.
 * NULL when out of memory (p is then untouched and still owned by the caller). */
void *secure_grow(void *p, size_t old_bytes, size_t new_bytes);

#endif
