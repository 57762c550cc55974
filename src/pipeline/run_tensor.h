/* run_tensor.h — the small helpers a generation's stages share: a tensor in a device buffer of its
 * own (the run's inputs and state, outside the planned arenas), and the host-side layout changes
 * between diffusers' NCHW (noise as torch draws it, debug outputs) and Pixeen's NHWC.
 * Entry points: run_tensor_create, run_tensor_upload, nchw_to_nhwc, nhwc_to_nchw. */
#ifndef PIXEEN_PIPELINE_RUN_TENSOR_H
#define PIXEEN_PIPELINE_RUN_TENSOR_H

#include "core/tensor.h"
#include "gpu/gpu.h"

/* Fills *t (rank, shape, dtype) and gives it a device buffer of exactly its size. */
pixeen_status run_tensor_create(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                const char *label, tensor *t);
/* run_tensor_create, then the host's `values` copied in: floats (converted when dtype is fp16), or
 * int32 ids as they are for DTYPE_I32. On failure *t keeps its buffer (if any) for the caller to
 * destroy with the rest. */
pixeen_status run_tensor_upload(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                const void *values, const char *label, tensor *t);
/* [B, C, HW] -> [B, HW, C] and back, on the host. */
void nchw_to_nhwc(const float *in, float *out, int64_t B, int64_t C, int64_t HW);
void nhwc_to_nchw(const float *in, float *out, int64_t B, int64_t C, int64_t HW);

#endif
