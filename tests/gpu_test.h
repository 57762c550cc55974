/* gpu_test.h — setup for tests that need a Vulkan device: creates a context (skipping the test,
 * exit 77, where no device exists) and, at the end, fails the test if the validation layer
 * reported any error or warning. */
#ifndef PIXEEN_GPU_TEST_H
#define PIXEEN_GPU_TEST_H

#include "core/f16.h"
#include "core/tensor.h"
#include "gpu/gpu.h"
#include "test.h"

static inline gpu_context *gpu_test_context(void) {
    gpu_context *ctx = NULL;
    pixeen_status status = gpu_context_create(&(gpu_context_desc){0}, &ctx);
    if (status == PIXEEN_ERROR_NO_DEVICE) TEST_SKIP(error_message());
    if (status != PIXEEN_OK) {
        fprintf(stderr, "cannot create a GPU context: %s\n", error_message());
        exit(1);
    }
    const gpu_caps *caps = gpu_context_caps(ctx);
    printf("device: %s (%s), validation %s\n", caps->name, caps->driver_info,
           gpu_context_validation_enabled(ctx) ? "on" : "off");
    return ctx;
}

/* Destroys the context and checks the validation layer stayed silent; returns test_finish(). */
static inline int gpu_test_finish(gpu_context *ctx) {
    gpu_context_destroy(ctx);
    uint32_t messages = gpu_validation_message_count();
    CHECK(messages == 0);
    if (messages) fprintf(stderr, "%u validation message(s): see above\n", messages);
    return test_finish();
}

/* A device buffer holding `count` floats of `data` converted to dtype. */
static inline tensor gpu_test_tensor(gpu_context *ctx, tensor_dtype dtype, const float *data, int64_t count) {
    tensor t = {0};
    t.dtype = dtype;
    t.rank = 1;
    t.shape[0] = count;
    if (gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(&t), "test", &t.buffer) != PIXEEN_OK) {
        fprintf(stderr, "%s\n", error_message());
        exit(1);
    }
    if (data) {
        void *host = malloc((size_t)count * 4); /* room for fp32, the larger of the two */
        if (dtype == DTYPE_F16)
            f32_to_f16_array(host, data, (size_t)count);
        else
            memcpy(host, data, (size_t)count * 4);
        if (gpu_buffer_upload(ctx, t.buffer, 0, host, tensor_bytes(&t)) != PIXEEN_OK) {
            fprintf(stderr, "%s\n", error_message());
            exit(1);
        }
        free(host);
    }
    return t;
}

/* Reads a tensor back as floats. */
static inline void gpu_test_read(gpu_context *ctx, const tensor *t, float *out) {
    size_t count = (size_t)tensor_count(t);
    void *host = malloc(tensor_bytes(t));
    if (gpu_buffer_download(ctx, t->buffer, t->offset, host, tensor_bytes(t)) != PIXEEN_OK) {
        fprintf(stderr, "%s\n", error_message());
        exit(1);
    }
    if (t->dtype == DTYPE_F16)
        f16_to_f32_array(out, host, count);
    else
        memcpy(out, host, count * 4);
    free(host);
}

#endif
