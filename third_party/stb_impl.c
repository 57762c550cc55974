/* The one translation unit that compiles the stb image reader and writer (Debian's libstb-dev).
 * Reading: PNG, JPEG, BMP and TGA (img2img / inpainting inputs, src/image); writing: PNG.
 *
 * The reader's and the writer's scratch buffers hold a private picture (plaintext), so their
 * allocator wipes every block before freeing it: each block carries its size in a 16-byte prefix (16 keeps the
 * alignment malloc gives), and realloc is done as allocate-copy-wipe-free. */
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

static void *stbiw_wipe_malloc(size_t size) {
    size_t *p = malloc(size + 16);
    if (!p) return NULL;
    p[0] = size;
    return (char *)p + 16;
}

static void stbiw_wipe_free(void *ptr) {
    if (!ptr) return;
    char *p = (char *)ptr - 16;
    platform_wipe(p, 16 + *(size_t *)(void *)p);
    free(p);
}

/* The size a block was allocated with (stb_image's sizes are not always the block's). */
static size_t stbiw_block_size(void *ptr) { return ptr ? *(size_t *)(void *)((char *)ptr - 16) : 0; }

static void *stbiw_wipe_realloc(void *ptr, size_t old_size, size_t new_size) {
    void *q = stbiw_wipe_malloc(new_size);
    if (!q) return NULL;
    if (ptr) {
        memcpy(q, ptr, old_size < new_size ? old_size : new_size);
        stbiw_wipe_free(ptr);
    }
    return q;
}

#define STBIW_MALLOC(size) stbiw_wipe_malloc(size)
#define STBIW_REALLOC_SIZED(ptr, old_size, new_size) stbiw_wipe_realloc(ptr, old_size, new_size)
#define STBIW_FREE(ptr) stbiw_wipe_free(ptr)

#define STBI_MALLOC(size) stbiw_wipe_malloc(size)
#define STBI_REALLOC_SIZED(ptr, old_size, new_size) stbiw_wipe_realloc(ptr, stbiw_block_size(ptr), new_size)
#define STBI_FREE(ptr) stbiw_wipe_free(ptr)
/* A second line of defence behind src/image's own size check (done on the header, before any
 * decoding): stb refuses larger images itself. */
#define STBI_MAX_DIMENSIONS 16384

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image.h>
#include <stb_image_write.h>
