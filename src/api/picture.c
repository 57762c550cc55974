/* api/picture.c — pixeen_picture: init images and masks, read into locked memory.
 * A plain file is read with read(2) straight into a vault secret (no stdio buffer keeps a copy);
 * an age file is decrypted by the vault into a secret; either is decoded by src/image into RGBA8
 * in another secret, and the file's bytes are wiped. Entry points: pixeen_picture_load,
 * pixeen_picture_get_size, pixeen_picture_destroy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pixeen/pixeen.h>

#include "core/platform.h"

#include "api/internal.h"
#include "image/picture.h"
#include "vault/age_file.h"
#include "vault/secret.h"

/* Larger files are refused before reading (a picture within the pixel limit is far smaller). */
#define PICTURE_MAX_FILE_BYTES ((size_t)1 << 30)

static pixeen_status read_plain(const char *path, vault_secret **out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return error_set(PIXEEN_ERROR_IO, "image: cannot open %s: %s", path, strerror(errno));
    struct stat st;
    pixeen_status s = PIXEEN_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        s = error_set(PIXEEN_ERROR_IO, "image: %s is not a regular file", path);
    else if ((uint64_t)st.st_size > PICTURE_MAX_FILE_BYTES)
        s = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: %s is %lld bytes (over the 1 GiB limit)", path, (long long)st.st_size);
    vault_secret *buf = NULL;
    if (s == PIXEEN_OK) s = vault_secret_create((size_t)st.st_size, &buf);
    size_t got = 0;
    while (s == PIXEEN_OK && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf->data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) s = error_set(PIXEEN_ERROR_IO, "image: reading %s failed after %zu bytes", path, got);
        else got += (size_t)n;
    }
    close(fd);
    if (s != PIXEEN_OK) {
        vault_secret_destroy(buf);
        return s;
    }
    buf->len = got;
    *out = buf;
    return PIXEEN_OK;
}

static bool is_age(const vault_secret *b) {
    static const char bin[] = "age-encryption.org/v1\n", armor[] = "-----BEGIN AGE ENCRYPTED FILE-----";
    return (b->len >= sizeof bin - 1 && !memcmp(b->data, bin, sizeof bin - 1)) ||
           (b->len >= sizeof armor - 1 && !memcmp(b->data, armor, sizeof armor - 1));
}

/* A picture in the application's VkBuffer: checked, then wrapped where it is (no copy). */
static pixeen_status load_buffer(const pixeen_picture_desc *d, pixeen_picture *p) {
    pixeen_context *ctx = d->context;
    if (!ctx)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: a picture in a VkBuffer needs the context of the device it is on");
    if (!gpu_context_borrowed(ctx->gpu))
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "image: the context created its own Vulkan device, so the application's "
                         "VkBuffer means nothing to it (share a device with pixeen_context_desc.vulkan, or give rgba)");
    if (d->width <= 0 || d->height <= 0 || d->width > PICTURE_MAX_SIDE || d->height > PICTURE_MAX_SIDE)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: VkBuffer picture of %dx%d pixels (expected 1..%d a side)",
                         d->width, d->height, PICTURE_MAX_SIDE);
    uint64_t row = (uint64_t)d->width * 4, stride = d->stride ? (uint64_t)d->stride : row;
    if (stride < row || stride % 4 || d->offset % 4)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "image: VkBuffer picture: stride %llu and offset %llu must be multiples of 4, the stride at least "
                         "width * 4 = %llu", (unsigned long long)stride, (unsigned long long)d->offset, (unsigned long long)row);
    uint64_t need = stride * (uint64_t)(d->height - 1) + row;
    if (d->size < need)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "image: VkBuffer picture of %dx%d with rows %llu bytes apart needs %llu bytes, the buffer holds %llu",
                         d->width, d->height, (unsigned long long)stride, (unsigned long long)need, (unsigned long long)d->size);
    uint64_t range = gpu_context_caps(ctx->gpu)->max_storage_buffer_range;
    if (need > range)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "image: VkBuffer picture of %llu bytes: above this device's %llu-byte "
                         "storage-buffer range", (unsigned long long)need, (unsigned long long)range);
    if (d->offset > UINT64_MAX - d->size)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: VkBuffer picture: offset + size overflows");
    PX_TRY(gpu_buffer_wrap(ctx->gpu, d->buffer, d->offset + d->size, &p->gpu));
    p->ctx = ctx;
    p->offset = d->offset;
    p->stride = (uint32_t)(stride / 4);
    p->pic.width = d->width;
    p->pic.height = d->height;
    p->pic.channels = 4;
    return PIXEEN_OK;
}

PIXEEN_API pixeen_status pixeen_picture_load(const pixeen_picture_desc *d, pixeen_picture **out) {
    error_clear();
    if (!d || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: descriptor or output is NULL");
    *out = NULL;
    PX_TRY(api_check_reserved(d->reserved, sizeof d->reserved / sizeof d->reserved[0], "picture"));
    if ((d->path != NULL) + (d->rgba != NULL) + (d->buffer != 0) != 1)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: give one of a path, RGBA8 pixels or a VkBuffer");
    if ((d->offset || d->size || d->context) && !d->buffer)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: offset, size and context go with a VkBuffer");
    pixeen_picture *p = calloc(1, sizeof *p);
    if (!p) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "image: out of host memory");
    pixeen_status s;
    if (d->buffer) {
        s = load_buffer(d, p);
    } else if (d->rgba) {
        s = picture_from_rgba8(d->rgba, d->width, d->height, d->stride ? d->stride : (size_t)d->width * 4, &p->pic);
    } else {
        vault_secret *bytes = NULL;
        s = read_plain(d->path, &bytes);
        if (s == PIXEEN_OK && is_age(bytes)) {
            vault_secret_destroy(bytes);
            bytes = NULL;
            const pixeen_open_desc none = {0}, *open = d->open ? (const pixeen_open_desc *)d->open : &none;
            s = api_check_reserved(open->reserved, sizeof open->reserved / sizeof open->reserved[0], "picture: open");
            if (s == PIXEEN_OK) s = vault_open_file(open, d->path, &bytes);
        }
        if (s == PIXEEN_OK) s = picture_decode(bytes->data, bytes->len, d->path, &p->pic);
        vault_secret_destroy(bytes);
    }
    if (s != PIXEEN_OK) {
        free(p);
        return s;
    }
    *out = p;
    return PIXEEN_OK;
}

PIXEEN_API pixeen_status pixeen_picture_get_size(const pixeen_picture *p, int *width, int *height) {
    if (!p || !width || !height) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: picture or output is NULL");
    *width = p->pic.width;
    *height = p->pic.height;
    return PIXEEN_OK;
}

PIXEEN_API void pixeen_picture_destroy(pixeen_picture *p) {
    if (!p) return;
    picture_free(&p->pic);
    gpu_buffer_destroy(p->gpu); /* forgets the application's VkBuffer; never destroys it */
    free(p);
}
