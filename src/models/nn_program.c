/* nn_program.c — plan, allocate, record: turning a builder into a replayable command buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn.h"

pixeen_status nn_program_build(gpu_context *ctx, const nn_weights *weights, tensor_dtype act, nn_build_fn build,
                               void *user, nn_program *out) {
    return nn_program_build_replayed(ctx, weights, act, build, user, UINT32_MAX, out);
}

pixeen_status nn_program_build_replayed(gpu_context *ctx, const nn_weights *weights, tensor_dtype act,
                                        nn_build_fn build, void *user, uint32_t replays, nn_program *out) {
    memset(out, 0, sizeof *out);
    nn_graph g = {.ctx = ctx, .arena = &out->arena, .weights = weights, .act = act,
                  .winograd_fill = replays >= NN_WINOGRAD_FILL_REPLAYS};
    build(&g, user); /* planning: offsets and the peak, nothing recorded */
    if (g.status != PIXEEN_OK) {
        nn_program_free(out);
        return g.status;
    }
    uint64_t peak = out->arena.peak ? out->arena.peak : 256;
    pixeen_status status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, peak, "activations", &out->arena.buffer);
    if (status == PIXEEN_OK) status = gpu_recorder_create(ctx, &out->rec);
    if (status != PIXEEN_OK) {
        nn_program_free(out);
        return status;
    }
    out->arena.capacity = peak;
    out->arena.top = 0;
    out->arena.free_count = 0;
    g.rec = out->rec;
    gpu_recorder_begin(out->rec);
    out->output = build(&g, user);
    status = gpu_recorder_end(out->rec);
    if (status == PIXEEN_OK) status = g.status;
    if (status != PIXEEN_OK) {
        nn_program_free(out);
        return status;
    }
    return PIXEEN_OK;
}

pixeen_status nn_program_plan(gpu_context *ctx, const nn_weights *weights, tensor_dtype act, nn_build_fn build,
                               void *user, nn_plan *out) {
    nn_arena arena = {0};
    nn_graph g = {.ctx = ctx, .arena = &arena, .weights = weights, .act = act, .winograd_fill = true};
    build(&g, user);
    *out = (nn_plan){arena.peak, arena.largest, g.flops, g.winograd_bytes};
    free(arena.free);
    return g.status;
}

void nn_program_free(nn_program *prog) {
    gpu_recorder_destroy(prog->rec);
    gpu_buffer_destroy_wiped(prog->arena.buffer);
    free(prog->arena.free);
    memset(prog, 0, sizeof *prog);
}
