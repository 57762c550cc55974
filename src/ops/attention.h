/* attention.h — fused multi-head scaled-dot-product attention: out = softmax(Q Kᵀ · scale) V per
 * head, in one dispatch; the Tq × Tk scores never reach device memory (online softmax with fp32
 * running max and sum, as in FlashAttention).
 *
 * Layout: token-major with heads interleaved in the channel dimension, as the projections write
 * them (B batch, Tq query tokens, Tk key tokens, H heads, D head dim):
 *   q   [B, Tq, H*D]   row stride q_stride elements (>= H*D; 3*H*D for a slice of a fused QKV)
 *   k,v [B, Tk, H*D]   row strides k_stride, v_stride
 *   out [B, Tq, H*D]   dense
 * All four share one dtype (fp32 or fp16); arithmetic is fp32.
 *
 * Two kernels behind this one entry point, picked per device (see attention.c):
 *   texel  lavapipe: each invocation keeps QR query rows and their output accumulators in
 *          registers and streams K and V through uniform texel buffers; no shared memory, no
 *          barriers (CPU SIMD lanes are cheap to keep busy, barriers are not).
 *   tiled  GPUs: K/V tiles staged in shared memory, 4 invocations per query row, partial dot
 *          products combined with subgroup shuffles.
 * $PIXEEN_KERNEL_VARIANT=texel|tiled forces one (CI runs the GPU kernel on lavapipe this way).
 * Limits: D a multiple of 4 and at most 256 (SD uses 40, 64, 80, 160); element offsets of q, k, v
 * and the strides multiples of 4 (texel alignment). Larger head dims (the VAE's single 512-wide
 * head) are left to matmul + softmax.
 */
#ifndef PIXEEN_OPS_ATTENTION_H
#define PIXEEN_OPS_ATTENTION_H

#include "ops/ops.h"

typedef enum op_attention_variant {
    OP_ATTENTION_AUTO = 0, /* $PIXEEN_KERNEL_VARIANT, else texel on lavapipe and tiled elsewhere */
    OP_ATTENTION_TEXEL = 1,
    OP_ATTENTION_TILED = 2,
} op_attention_variant;

typedef struct op_attention_desc {
    const tensor *q;   /* [B, Tq, H*D] (shape gives B, Tq and H*D; rows q_stride apart) */
    const tensor *k;   /* [B, Tk, H*D] */
    const tensor *v;   /* [B, Tk, H*D] */
    const tensor *out; /* [B, Tq, H*D], dense */
    uint32_t heads;    /* H */
    int64_t q_stride, k_stride, v_stride; /* row strides in elements; 0 means H*D (dense) */
    float scale;       /* 0 means 1/sqrt(D) */
    op_attention_variant variant;
} op_attention_desc;

/* Records the attention dispatch. Shape errors fail the recording (reported by gpu_recorder_end). */
void op_attention_record(gpu_recorder *rec, const op_attention_desc *desc);

/* Whether attention over tq query rows should take the fused kernel on ctx's device rather than
 * explicit products (nn_attention): the driver table's threshold, or $PIXEEN_ATTENTION_FUSED_MIN
 * when the context was created. Without a device (plans made before one exists): yes. */
bool op_attention_fused_wanted(const gpu_context *ctx, int64_t tq);

/* The variant AUTO resolves to on this device (for tests and the benchmark's labels). */
op_attention_variant op_attention_pick(const gpu_context *ctx, op_attention_variant requested);

#endif
