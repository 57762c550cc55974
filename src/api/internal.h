/* internal.h — what the public API's files share: the objects behind the opaque handles. */
#ifndef PIXEEN_API_INTERNAL_H
#define PIXEEN_API_INTERNAL_H

#include <stdatomic.h>

#include "gpu/gpu.h"
#include "image/picture.h"
#include "pipeline/txt2img.h"

struct pixeen_context {
    gpu_context *gpu;
    char last_error[1024];
    atomic_int cancel;  /* set by pixeen_context_cancel, cleared when a generate starts */
    atomic_int busy;    /* a generate is running */
    pixeen_log_fn log;
    void *log_user;
    pixeen_log_level log_level_map[4];
};

struct pixeen_model {
    pixeen_context *ctx;
    sd_model *sd;        /* a Stable Diffusion model, or NULL for: */
    struct taesd *taesd; /* a TAESD folder (probe only) */
    tensor_dtype act;
};

struct pixeen_picture {
    picture pic;          /* RGBA8 in locked memory; for a GPU picture only its width and height */
    pixeen_context *ctx;  /* a GPU picture's context, or NULL */
    gpu_buffer *gpu;      /* the application's VkBuffer (gpu_buffer_wrap), or NULL */
    uint64_t offset;      /* bytes to the first pixel in gpu */
    uint32_t stride;      /* pixels from one row to the next */
};

struct pixeen_image {
    pixeen_context *ctx;
    txt2img_result result;
    int64_t seed;
};

/* Copies the thread's error message into the context (or clears it on success); returns status. */
pixeen_status api_finish(pixeen_context *ctx, pixeen_status status);
/* PIXEEN_ERROR_UNSUPPORTED if a reserved word is non-zero (a newer header's field). */
pixeen_status api_check_reserved(const uint32_t *reserved, size_t count, const char *what);

#endif
