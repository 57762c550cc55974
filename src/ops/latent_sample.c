/* latent_sample.c — see latent_sample.h. */
#include "ops/latent_sample.h"
#include "ops/common.h"

void op_latent_sample_record(gpu_recorder *rec, const tensor *moments, const tensor *noise, float scale,
                             const tensor *out) {
    int64_t C = out->rank == 4 ? out->shape[3] : 0;
    int64_t per = C ? tensor_count(out) / out->shape[0] : 0;
    if (out->rank != 4 || moments->rank != 4 || moments->shape[0] != 1 || moments->shape[3] != 2 * C ||
        moments->shape[1] != out->shape[1] || moments->shape[2] != out->shape[2] || noise->dtype != DTYPE_F32 ||
        out->dtype != DTYPE_F32 || tensor_count(noise) != per || C == 0) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: latent_sample: moments, noise and output disagree"));
        return;
    }
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(LATENT_SAMPLE, moments->dtype), .binding_count = 3, .push_size = 16};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, per, C;
        float scale;
    } push = {(uint32_t)tensor_count(out), (uint32_t)per, (uint32_t)C, scale};
    gpu_binding b[3] = {op_bind(moments, false), op_bind(noise, false), op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, b, 3, &push, sizeof push, op_groups_of_256(push.n), "latent_sample");
}
