/* nn_pointwise.c — see nn_pointwise.h. Tensors must fit one storage binding (true of every
 * activation of SD 1.x up to 1024x1024 in fp16; the checks say so when one does not). */
#include "ops/common.h"
#include "ops/nn_pointwise.h"

static gpu_binding of(const tensor *t, bool write) { return (gpu_binding){t->buffer, t->offset, tensor_bytes(t), write}; }

static bool check(gpu_recorder *rec, bool ok, const char *op, const tensor *big) {
    if (ok && tensor_bytes(big) > gpu_context_caps(gpu_recorder_context(rec))->max_storage_buffer_range) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: %s: a %llu-byte tensor exceeds one storage binding", op,
                               (unsigned long long)tensor_bytes(big)));
        return false;
    }
    if (!ok) op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL, "ops: %s: tensor shapes or dtypes do not fit", op));
    return ok;
}

/* One dispatch of `stem` over `groups` workgroups (or `invocations` / 256 when groups is 0). */
static void run(gpu_recorder *rec, const char *stem, tensor_dtype dtype, uint32_t spec, gpu_binding *b, uint32_t nb,
                const void *push, uint32_t push_size, uint64_t groups, const char *label) {
    char name[64];
    gpu_pipeline_desc desc = {.shader = shader_name(name, sizeof name, stem, dtype),
                              .binding_count = nb,
                              .push_size = push_size,
                              .spec_count = 1,
                              .spec = {spec}};
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    uint32_t gx, gy;
    gpu_groups_2d(gpu_recorder_context(rec), groups, &gx, &gy);
    gpu_record_dispatch(rec, pipeline, b, nb, push, push_size, gx, gy, 1, label);
}

static uint64_t per_element(int64_t n) { return ((uint64_t)n + 255) / 256; }

void op_group_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, int groups,
                          float eps, bool silu, const tensor *out) {
    int64_t C = x->shape[x->rank - 1], B = x->shape[0], P = tensor_count(x) / (B * C);
    if (!check(rec, groups > 0 && C % groups == 0 && tensor_count(gamma) == C && tensor_count(beta) == C &&
                        tensor_count(out) == tensor_count(x) && out->dtype == x->dtype && gamma->dtype == DTYPE_F16,
               "group_norm", x))
        return;
    uint32_t per_group = op_rows_per_subgroup_group(rec);
    struct {
        uint32_t batches, hw, c, groups;
        float eps;
        uint32_t rows_per_group;
    } push = {(uint32_t)B, (uint32_t)P, (uint32_t)C, (uint32_t)groups, eps, per_group};
    gpu_binding b[4] = {of(x, false), of(gamma, false), of(beta, false), of(out, true)};
    run(rec, "group_norm", x->dtype, silu, b, 4, &push, sizeof push, ((uint64_t)(B * groups) + per_group - 1) / per_group,
        silu ? "group_norm_silu" : "group_norm");
}

void op_layer_norm_record(gpu_recorder *rec, const tensor *x, const tensor *gamma, const tensor *beta, float eps,
                          const tensor *out) {
    int64_t C = x->shape[x->rank - 1], rows = tensor_count(x) / C;
    if (!check(rec, tensor_count(gamma) == C && tensor_count(beta) == C && tensor_count(out) == tensor_count(x) &&
                        out->dtype == x->dtype && gamma->dtype == DTYPE_F16,
               "layer_norm", x))
        return;
    uint32_t per_group = op_rows_per_subgroup_group(rec);
    struct {
        uint32_t rows, c;
        float eps;
        uint32_t rows_per_group;
    } push = {(uint32_t)rows, (uint32_t)C, eps, per_group};
    gpu_binding b[4] = {of(x, false), of(gamma, false), of(beta, false), of(out, true)};
    run(rec, "layer_norm", x->dtype, 0, b, 4, &push, sizeof push, ((uint64_t)rows + per_group - 1) / per_group,
        "layer_norm");
}

void op_unary_record(gpu_recorder *rec, op_activation act, const tensor *x, const tensor *out) {
    if (!check(rec, tensor_count(out) == tensor_count(x) && out->dtype == x->dtype, "unary", x)) return;
    static const char *labels[] = {"silu", "gelu", "gelu_tanh", "quick_gelu"};
    uint32_t push = (uint32_t)tensor_count(x);
    gpu_binding b[2] = {of(x, false), of(out, true)};
    run(rec, "unary", x->dtype, (uint32_t)act, b, 2, &push, sizeof push, per_element(tensor_count(x)), labels[act]);
}

void op_geglu_record(gpu_recorder *rec, const tensor *x, const tensor *out) {
    int64_t F2 = x->shape[x->rank - 1];
    if (!check(rec, F2 % 2 == 0 && tensor_count(out) * 2 == tensor_count(x) && out->dtype == x->dtype &&
                        out->shape[out->rank - 1] * 2 == F2,
               "geglu", x))
        return;
    struct {
        uint32_t n, f;
    } push = {(uint32_t)tensor_count(out), (uint32_t)(F2 / 2)};
    gpu_binding b[2] = {of(x, false), of(out, true)};
    run(rec, "geglu", x->dtype, 0, b, 2, &push, sizeof push, per_element(tensor_count(out)), "geglu");
}

void op_upsample2x_record(gpu_recorder *rec, const tensor *x, const tensor *out) {
    if (!check(rec, x->rank == 4 && out->rank == 4 && out->shape[0] == x->shape[0] && out->shape[1] == 2 * x->shape[1] &&
                        out->shape[2] == 2 * x->shape[2] && out->shape[3] == x->shape[3] && out->dtype == x->dtype,
               "upsample2x", out))
        return;
    struct {
        uint32_t n, h, w, c;
    } push = {(uint32_t)tensor_count(out), (uint32_t)x->shape[1], (uint32_t)x->shape[2], (uint32_t)x->shape[3]};
    gpu_binding b[2] = {of(x, false), of(out, true)};
    run(rec, "upsample2x", x->dtype, 0, b, 2, &push, sizeof push, per_element(tensor_count(out)), "upsample2x");
}

void op_concat_channels_record(gpu_recorder *rec, const tensor *a, const tensor *b, const tensor *out) {
    int64_t c1 = a->shape[a->rank - 1], c2 = b->shape[b->rank - 1];
    if (!check(rec, tensor_count(a) / c1 == tensor_count(b) / c2 && tensor_count(out) == tensor_count(a) + tensor_count(b) &&
                        a->dtype == b->dtype && a->dtype == out->dtype,
               "concat_channels", out))
        return;
    struct {
        uint32_t n, c1, c2;
    } push = {(uint32_t)tensor_count(out), (uint32_t)c1, (uint32_t)c2};
    gpu_binding bind[3] = {of(a, false), of(b, false), of(out, true)};
    run(rec, "concat_channels", a->dtype, 0, bind, 3, &push, sizeof push, per_element(tensor_count(out)), "concat");
}

void op_timestep_embedding_record(gpu_recorder *rec, const tensor *t, bool flip_sin_to_cos, float shift,
                                  const tensor *out) {
    if (!check(rec, t->dtype == DTYPE_F32 && out->rank == 2 && out->shape[0] == tensor_count(t), "timestep_embedding", out))
        return;
    struct {
        uint32_t batches, dim, flip;
        float shift;
    } push = {(uint32_t)out->shape[0], (uint32_t)out->shape[1], flip_sin_to_cos, shift};
    gpu_binding b[2] = {of(t, false), of(out, true)};
    run(rec, "timestep_embedding", out->dtype, 0, b, 2, &push, sizeof push, per_element(tensor_count(out)),
        "timestep_embedding");
}

void op_bias_per_batch_record(gpu_recorder *rec, const tensor *x, const tensor *e) {
    int64_t B = x->shape[0], C = x->shape[x->rank - 1];
    if (!check(rec, e->rank == 2 && e->shape[0] == B && e->shape[1] == C && e->dtype == x->dtype, "bias_per_batch", x))
        return;
    struct {
        uint32_t n, p, c;
    } push = {(uint32_t)tensor_count(x), (uint32_t)(tensor_count(x) / (B * C)), (uint32_t)C};
    gpu_binding b[2] = {of(x, true), of(e, false)};
    run(rec, "bias_per_batch", x->dtype, 0, b, 2, &push, sizeof push, per_element(tensor_count(x)), "bias_per_batch");
}
