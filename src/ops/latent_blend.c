/* latent_blend.c — see latent_blend.h and shaders/latent_blend.comp. */
#include "ops/latent_blend.h"

#include "ops/common.h"

void op_latent_blend_record(gpu_recorder *rec, const op_blend_bindings *bb, uint32_t index, bool use_state) {
    const tensor *x = bb->x;
    int64_t n = tensor_count(x), C = x->rank == 4 ? x->shape[3] : 0, pixels = C ? x->shape[1] * x->shape[2] : 0;
    if (x->rank != 4 || x->dtype != DTYPE_F32 || bb->x0->dtype != DTYPE_F32 || bb->noise->dtype != DTYPE_F32 ||
        tensor_count(bb->x0) != n || tensor_count(bb->noise) != n || (bb->mask && tensor_count(bb->mask) != pixels) ||
        (use_state && !bb->state) || !bb->coeffs) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_blend: latents, image latents, noise "
                                                      "and mask disagree"));
        return;
    }
    gpu_pipeline_desc desc = {.shader = op_shader_name(SHADER_LATENT_BLEND), .binding_count = 6, .push_size = 24};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, C, pixels, index, use_state, has_mask;
    } push = {(uint32_t)n, (uint32_t)C, (uint32_t)pixels, index, use_state, bb->mask != NULL};
    /* Unused bindings (state without use_state, mask without has_mask) point at a
     * real buffer. */
    gpu_binding b[6] = {{bb->coeffs, 0, 0, false}, {use_state ? bb->state : bb->coeffs, 0, 0, false},
                        op_bind(x, true),          op_bind(bb->x0, false),
                        op_bind(bb->noise, false), op_bind(bb->mask ? bb->mask : bb->x0, false)};
    op_dispatch_groups(rec, pipeline, b, 6, &push, sizeof push, op_groups_of_256((uint64_t)n), "latent_blend");
}
