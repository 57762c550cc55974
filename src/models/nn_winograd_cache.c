/* nn_winograd_cache.c — the Winograd-transformed 3x3 kernels kept with a component's weights
 * (nn.h, nn_winograd_cache), per form and activation dtype: made once at first use instead of in
 * every step's recording (the UNet's 34 weight transforms were 6% of a 256 px step), refreshed in
 * place after LoRA merges.
 * GGUF models: 4-D kernels are always dequantized to fp16 at upload (only 2-D matrices stay in
 * ggml blocks), so the transform reads fp16 like any other model's. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "models/nn.h"
#include "ops/conv2d_winograd.h"

/* The stored kernel as the transform reads it: [Cout, 3, 3, Cin] (reordered at upload). */
static tensor kernel_view(const tensor *stored) {
    return nn_view(*stored, 4, (const int64_t[]){stored->shape[0], 3, 3, stored->shape[1]});
}

/* One recording of the transform of every listed kernel to its form, submitted and waited for. */
static pixeen_status transform(gpu_context *ctx, const tensor *const *kernels, const tensor *const *u,
                               const op_winograd_tile *tiles, size_t n) {
    gpu_recorder *rec = NULL;
    PX_TRY(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    for (size_t i = 0; i < n; i++) {
        tensor wk = kernel_view(kernels[i]);
        op_conv2d_winograd_weight_record(rec, tiles[i], &wk, u[i]);
    }
    pixeen_status st = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    return st;
}

/* The index of `stored` in g's table, or the table's count. */
static size_t weight_index(const nn_graph *g, const tensor *stored) {
    size_t i = 0;
    while (i < g->weights->count && &g->weights->items[i].t != stored) i++;
    return i;
}

bool nn_winograd_cached(const nn_graph *g, const tensor *stored, op_winograd_tile tile) {
    const nn_winograd_cache *cache = g->weights->winograd;
    size_t i = weight_index(g, stored);
    if (!cache || i >= cache->count || (tile != OP_WINOGRAD_F2 && tile != OP_WINOGRAD_F4)) return false;
    return cache->u[nn_winograd_slot(i, tile, g->act)].buffer != NULL;
}

tensor nn_winograd_weight(nn_graph *g, const tensor *stored, op_winograd_tile tile) {
    tensor empty = {0};
    nn_winograd_cache *cache = g->weights->winograd;
    size_t i = weight_index(g, stored);
    if (i == g->weights->count || i >= cache->count || stored->rank != 4 || stored->shape[2] != 3 ||
        stored->shape[3] != 3 || (tile != OP_WINOGRAD_F2 && tile != OP_WINOGRAD_F4)) {
        nn_fail(g, error_set(PIXEEN_ERROR_INTERNAL, "nn: winograd kernel: not a 3x3 kernel of this graph's weights"));
        return empty;
    }
    tensor *u = &cache->u[nn_winograd_slot(i, tile, g->act)];
    if (u->buffer) return *u;
    int64_t count = op_winograd_points(tile) * stored->shape[0] * stored->shape[1];
    tensor made = {.dtype = g->act, .rank = 1, .shape = {count}};
    pixeen_status st = gpu_buffer_create(g->ctx, GPU_MEMORY_DEVICE, tensor_bytes(&made), "winograd kernel", &made.buffer);
    const tensor *kernels[1] = {stored}, *outs[1] = {&made};
    if (st == PIXEEN_OK) st = transform(g->ctx, kernels, outs, &tile, 1);
    if (st != PIXEEN_OK) {
        gpu_buffer_destroy(made.buffer);
        nn_fail(g, error_wrap(st, "nn: transforming '%s' for Winograd: ", g->weights->items[i].name));
        return empty;
    }
    cache->bytes += tensor_bytes(&made);
    *u = made;
    return made;
}

pixeen_status nn_weights_winograd_refresh(gpu_context *ctx, const nn_weights *w) {
    nn_winograd_cache *cache = w->winograd;
    if (!cache) return PIXEEN_OK;
    size_t n = 0;
    for (size_t i = 0; i < NN_WINOGRAD_SLOTS * cache->count; i++) n += cache->u[i].buffer != NULL;
    if (!n) return PIXEEN_OK;
    const tensor **kernels = malloc(n * sizeof *kernels), **outs = malloc(n * sizeof *outs);
    op_winograd_tile *tiles = malloc(n * sizeof *tiles);
    if (!kernels || !outs || !tiles) {
        free(kernels), free(outs), free(tiles);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
    }
    n = 0;
    for (size_t i = 0; i < NN_WINOGRAD_SLOTS * cache->count; i++)
        if (cache->u[i].buffer)
            kernels[n] = &w->items[i / NN_WINOGRAD_SLOTS].t, outs[n] = &cache->u[i], tiles[n++] = nn_winograd_slot_tile(i);
    pixeen_status st = transform(ctx, kernels, outs, tiles, n);
    free(kernels), free(outs), free(tiles);
    if (st != PIXEEN_OK) return error_wrap(st, "nn: refreshing the Winograd kernels: ");
    log_debug("nn: %zu Winograd kernels refreshed", n);
    return PIXEEN_OK;
}

uint64_t nn_weights_winograd_bound(const nn_weights *w, tensor_dtype act) {
    uint64_t bytes = 0;
    for (size_t i = 0; w->winograd && i < w->count; i++) {
        const tensor *t = &w->items[i].t;
        if (t->rank == 4 && t->shape[2] == 3 && t->shape[3] == 3)
            bytes += (uint64_t)t->shape[0] * (uint64_t)t->shape[1] * dtype_size(act) *
                     (uint64_t)(op_winograd_points(OP_WINOGRAD_F2) + op_winograd_points(OP_WINOGRAD_F4));
    }
    return bytes;
}

void nn_weights_winograd_disable(nn_weights *w) {
    if (!w->winograd) return;
    for (size_t i = 0; w->winograd->u && i < NN_WINOGRAD_SLOTS * w->winograd->count; i++)
        gpu_buffer_destroy(w->winograd->u[i].buffer);
    free(w->winograd->u);
    free(w->winograd);
    w->winograd = NULL;
}
