/* nn.h — the vocabulary the network builders (clip.c, unet.c, vae.c) are written in.
 *
 * A builder is a plain C function that walks a network's layers in execution order and calls
 * nn_* functions; each records operators (src/ops) into a recorder. It runs twice per resolution:
 *   1. planning (g->rec == NULL): nothing is recorded, activations get offsets in a virtual arena
 *      whose peak size is then known (no allocation happens inside the denoising loop);
 *   2. recording: the same calls, now with the real arena buffer, record the dispatches once; the
 *      command buffer is then replayed every step.
 * Activation buffers are freed (nn_release) as soon as the builder is done with them, so the arena
 * reuses memory by liveness; the recorder's hazard tracking inserts the barriers reuse needs.
 *
 * Weights are looked up by their diffusers name (the checkpoint key in diffusers form) with the
 * shape the builder expects; a missing or mis-shaped weight fails the build with its name.
 * Activations are NHWC ([B, H, W, C]) for images and [B, T, C] for token sequences.
 */
#ifndef PIXEEN_MODELS_NN_H
#define PIXEEN_MODELS_NN_H

#include <stdbool.h>

#include "core/tensor.h"
#include "gpu/gpu.h"
#include "models/model.h"
#include "ops/conv2d_winograd.h"

/* ---- weights on the GPU ---- */

typedef struct nn_weight {
    char *name;   /* diffusers name */
    tensor t;     /* fp16; conv kernels reordered to [Cout, kh, kw, Cin] */
} nn_weight;

/* Winograd-transformed 3x3 kernels (G g G^T, [P, Cout, Cin]; src/ops/conv2d_winograd.h), made
 * at first use by nn_conv2d and kept with the weights, so a step replays no weight transform.
 * Per weight one tensor for each form (F(2x2): P = 16, F(4x4): P = 36) and activation dtype (the
 * transform is stored in it); buffer NULL until used. Costs P/9 of the kernels that take each form,
 * in the activation dtype. Anything that changes a weight in place (LoRA) calls
 * nn_weights_winograd_refresh. */
typedef struct nn_winograd_cache {
    tensor *u;      /* [NN_WINOGRAD_SLOTS * count], at nn_winograd_slot */
    size_t count;
    uint64_t bytes; /* device memory held */
} nn_winograd_cache;
#define NN_WINOGRAD_SLOTS 4
/* Where weight i's kernel transformed to form `tile` for activations `act` sits in u[]. */
static inline size_t nn_winograd_slot(size_t i, op_winograd_tile tile, tensor_dtype act) {
    return NN_WINOGRAD_SLOTS * i + (tile == OP_WINOGRAD_F4 ? 2 : 0) + (act == DTYPE_F32 ? 1 : 0);
}
/* The form a slot holds (the inverse of nn_winograd_slot for the tile). */
static inline op_winograd_tile nn_winograd_slot_tile(size_t slot) {
    return slot % NN_WINOGRAD_SLOTS >= 2 ? OP_WINOGRAD_F4 : OP_WINOGRAD_F2;
}

/* Where a load's time went (seconds of wall time on the loading thread), for the `-v` line. */
typedef struct nn_load_times {
    double read;    /* from the file into host memory, converted to fp16 (page faults included) */
    double check;   /* the finite check of every value */
    double reorder; /* 3x3 kernels into [Cout, kh, kw, Cin]; GGUF blocks into the GPU's block layout */
    double upload;  /* into device memory: the copy to the mapping or staging, its transfers and waits */
} nn_load_times;

typedef struct nn_weights {
    nn_weight *items;
    size_t count;
    uint64_t bytes;
    nn_winograd_cache *winograd; /* NULL (the VAE, tables built by hand): the transform runs in every recording */
    size_t quantized; /* weights kept in ggml blocks (GGUF models): LoRA cannot be merged into them */
    nn_load_times times; /* of nn_weights_upload */
    /* Textual inversion (set by the pipeline around a text-encoder build, else NULL): positions
     * whose token_side_index >= 0 take that row of token_side instead of their token's embedding. */
    const tensor *token_side;       /* fp16 [S, D] */
    const tensor *token_side_index; /* int32 [B, T], the shape of the ids */
} nn_weights;

/* Uploads every weight of a component, converted to fp16 on the way through the staging buffer
 * (the file is never read whole into memory). 4-D convolution kernels are reordered for NHWC. */
pixeen_status nn_weights_upload(gpu_context *ctx, const model *m, model_component component, nn_weights *out);
/* Whether a component's table keeps a Winograd cache (nn_winograd_cache): the UNet, whose step
 * replays every convolution many times, and the text encoders (no 3x3 kernels: an empty cache). Not
 * the VAE, which runs once per image: there a cache would only hold device memory (SD 1.5's
 * decoder in fp16: 369 MiB of F(4x4) kernels) and, on a CPU device, cost fresh pages (measured on
 * lavapipe, a 256 px generation's decode: 5.4-6.3 s without, 6.8-7.1 s with) to save its one
 * transform per decode (0.23 s of a 4.9 s decode, in steady state). */
bool nn_weights_keep_winograd(model_component component);
void nn_weights_free(nn_weights *w);
/* Recomputes every transformed kernel cached in w->winograd from the current weights, in place
 * (recordings that read them stay valid), in one submit. For after an in-place weight change. */
pixeen_status nn_weights_winograd_refresh(gpu_context *ctx, const nn_weights *w);
/* The most device memory w's Winograd cache can grow to for activations of dtype act: every 3x3
 * kernel transformed to both forms ((16 + 36)/9 of it). */
uint64_t nn_weights_winograd_bound(const nn_weights *w, tensor_dtype act);
/* Drops w's cache (its kernels are then transformed in every step instead): for a device without
 * the memory for it. Only before anything was recorded from w. */
void nn_weights_winograd_disable(nn_weights *w);

/* ---- the activation arena ---- */

typedef struct nn_arena_range {
    uint64_t offset, size;
} nn_arena_range;

typedef struct nn_arena {
    gpu_buffer *buffer; /* NULL while planning */
    uint64_t capacity;  /* bytes of `buffer` */
    uint64_t top, peak; /* highest byte in use now / ever */
    uint64_t largest;   /* the largest single activation (what one binding must cover) */
    nn_arena_range *free;
    uint32_t free_count, free_capacity;
} nn_arena;

/* ---- the graph being built ---- */

typedef struct nn_graph {
    gpu_context *ctx;
    gpu_recorder *rec;        /* NULL: planning pass */
    nn_arena *arena;
    const nn_weights *weights;
    tensor_dtype act;         /* activation dtype (fp16 default, fp32 for parity) */
    pixeen_status status;     /* first error (sticky) */
    double flops;             /* planning pass: 2 x multiply-adds of the products and attentions planned */
    uint64_t winograd_bytes;  /* planning pass: transformed kernels its convolutions read from the weights' cache */
    bool winograd_fill;       /* make the kernels the weights' cache lacks (else transform them in the recording) */
} nn_graph;

/* Allocates an activation of the graph's dtype (rank 1..4, shape outermost first). */
tensor nn_alloc(nn_graph *g, uint32_t rank, const int64_t *shape);
/* The same with an explicit dtype (fp32 scratch such as norm statistics). */
tensor nn_alloc_dtype(nn_graph *g, tensor_dtype dtype, uint32_t rank, const int64_t *shape);
tensor nn_alloc4(nn_graph *g, int64_t d0, int64_t d1, int64_t d2, int64_t d3);
tensor nn_alloc3(nn_graph *g, int64_t d0, int64_t d1, int64_t d2);
tensor nn_alloc2(nn_graph *g, int64_t d0, int64_t d1);
/* Returns an activation's memory to the arena (the recorder orders the reuse). */
void nn_release(nn_graph *g, tensor *t);
/* Reinterprets a tensor with another shape of the same element count. */
tensor nn_view(tensor t, uint32_t rank, const int64_t *shape);

/* The weight `<prefix>.<suffix>` (e.g. prefix "conv_in", suffix "weight"), checked against the
 * expected shape (-1 matches anything). Fails the graph and returns an empty tensor if absent. */
tensor nn_weight_get(nn_graph *g, const char *prefix, const char *suffix, uint32_t rank, const int64_t *shape);
bool nn_weight_has(const nn_graph *g, const char *prefix, const char *suffix);
/* The stored weight `<prefix>.<suffix>`, or NULL (no error). */
const tensor *nn_weight_find(const nn_graph *g, const char *prefix, const char *suffix);

/* The Winograd-transformed kernel of `stored` (a weight of g's table, [Cout, Cin, 3, 3] reordered
 * to [Cout, 3, 3, Cin]) of form `tile` for g's activation dtype, from the table's cache: made now
 * (one submit) when absent. Fails the graph and returns an empty tensor on error. Recording pass
 * only, and only when g->weights->winograd is set. */
tensor nn_winograd_weight(nn_graph *g, const tensor *stored, op_winograd_tile tile);
/* Whether the weights' cache already holds that kernel (false: no cache, or not made yet). */
bool nn_winograd_cached(const nn_graph *g, const tensor *stored, op_winograd_tile tile);

/* Sets the graph's status (first error wins) and returns it. */
pixeen_status nn_fail(nn_graph *g, pixeen_status status);

/* ---- layers (each allocates and returns its output; inputs are not released) ---- */

/* y = x W^T + b (+ residual): x [.., K] -> [.., N]; weight `<prefix>.weight` [N, K] (or a 1x1 conv
 * kernel [N, K, 1, 1]); bias `<prefix>.bias` when present. */
tensor nn_linear(nn_graph *g, const tensor *x, const char *prefix, const tensor *residual);
/* Convolution: x [B, H, W, Cin] -> [B, Ho, Wo, Cout] with `<prefix>.weight` and `.bias`; kernel size
 * from the weight; padding = (k - 1) / 2. */
tensor nn_conv2d(nn_graph *g, const tensor *x, const char *prefix, int stride, const tensor *residual);
/* GroupNorm over NHWC with `<prefix>.weight/.bias`, optional fused SiLU. */
tensor nn_group_norm(nn_graph *g, const tensor *x, const char *prefix, int groups, float eps, bool silu);
/* LayerNorm over the last dimension. */
tensor nn_layer_norm(nn_graph *g, const tensor *x, const char *prefix, float eps);
/* softmax(q k^T / sqrt(d)) v per head: q [B, Tq, H*D], k, v [B, Tk, H*D] -> [B, Tq, H*D]. */
tensor nn_attention(nn_graph *g, const tensor *q, const tensor *k, const tensor *v, int heads, bool causal);
tensor nn_silu(nn_graph *g, const tensor *x);
tensor nn_quick_gelu(nn_graph *g, const tensor *x);
tensor nn_gelu(nn_graph *g, const tensor *x);
/* GEGLU: x [.., 2F] -> [.., F] = x[.., :F] * gelu(x[.., F:]). */
tensor nn_geglu(nn_graph *g, const tensor *x);
/* a + b (same shape). */
tensor nn_add(nn_graph *g, const tensor *a, const tensor *b);
/* x [B, H, W, C] += e [B, C] broadcast over H, W (in place). */
void nn_add_per_batch_channel(nn_graph *g, const tensor *x, const tensor *e);
/* Nearest 2x upsampling, NHWC. */
tensor nn_upsample2x(nn_graph *g, const tensor *x);
/* Nearest upsampling by 2 to [B, ho, wo, C], ho = 2H or 2H-1 (wo likewise): torch's nearest
 * interpolation to a given size, as diffusers' UNet does to match an odd-sized skip. */
tensor nn_upsample_to(nn_graph *g, const tensor *x, int64_t ho, int64_t wo);
/* Channel concatenation, NHWC: [B,H,W,C1] ++ [B,H,W,C2]. */
tensor nn_concat_channels(nn_graph *g, const tensor *a, const tensor *b);
/* Sinusoidal embedding [B, dim] of the timesteps in `t` (fp32 [B], a GPU buffer the host writes). */
tensor nn_timestep_embedding(nn_graph *g, const tensor *t, int dim, bool flip_sin_to_cos, float shift);
/* out[r, :] = x[rows[r], :]: rows int32 [R], x [N, D] -> [R, D] (CLIP's pooled output). */
tensor nn_gather_rows(nn_graph *g, const tensor *x, const tensor *rows);
/* Rows of `<prefix>.weight` [V, D] gathered by int32 ids [B, T] -> [B, T, D] (+ `pos` [T, D] rows). */
tensor nn_embedding(nn_graph *g, const tensor *ids, const char *prefix, const char *pos_prefix);

/* ---- programs: a graph planned, given its arena, and recorded ---- */

/* A builder: records one network (or more) into g and returns the output tensor. Called twice. */
typedef tensor (*nn_build_fn)(nn_graph *g, void *user);

typedef struct nn_program {
    nn_arena arena;
    gpu_recorder *rec;
    tensor output;
} nn_program;

/* Plans `build` (planning pass), allocates the arena at its peak, and records it into a new
 * recorder (recording pass). Submit with gpu_recorder_submit(prog->rec), as often as needed.
 * Builders record everything a run needs (inputs are tensors the caller owns). */
pixeen_status nn_program_build(gpu_context *ctx, const nn_weights *weights, tensor_dtype act, nn_build_fn build,
                               void *user, nn_program *out);

/* Below this many submissions of a program, its convolutions do not fill the weights' Winograd
 * cache: the kernels it lacks are transformed in the recording, every replay. Measured for SD
 * 1.5's UNet at 256 px on Mesa 22's lavapipe (fp16, F(4x4) where it pays): filling made the first
 * step's recording 1.9 s longer (2.5 s against 0.6 s: the transforms once plus 1.2 GiB of fresh
 * pages), where transforming in the step cost 0.6 s a step (PIXEEN_PROFILE: 2.4 s over 4 steps).
 * So 1- and 2-step generations (SD-Turbo, LCM) skip the cache and its memory; from 3 steps on it
 * pays. Kernels already cached are read either way. */
#define NN_WINOGRAD_FILL_REPLAYS 3
/* nn_program_build for a program submitted about `replays` times (the sampler's steps). */
pixeen_status nn_program_build_replayed(gpu_context *ctx, const nn_weights *weights, tensor_dtype act,
                                        nn_build_fn build, void *user, uint32_t replays, nn_program *out);
/* Clears the arena (it held activations: private data) and frees everything. */
void nn_program_free(nn_program *prog);

/* The planning pass alone (nothing recorded, nothing allocated on the device): the arena
 * nn_program_build would allocate for the same builder and inputs on ctx's device, its largest
 * single activation and the FLOPs planned. `weights` need names and shapes only (buffers may be
 * NULL). ctx may be NULL (no device yet): the kernel choices are then those of a device without
 * driver-specific rules (Mesa 22's lavapipe makes the same ones). */
typedef struct nn_plan {
    uint64_t arena_bytes, largest_bytes;
    double flops;
    uint64_t winograd_bytes; /* the Winograd kernels it would add to the weights' cache (when it has one) */
} nn_plan;
pixeen_status nn_program_plan(gpu_context *ctx, const nn_weights *weights, tensor_dtype act, nn_build_fn build,
                               void *user, nn_plan *out);

#endif
