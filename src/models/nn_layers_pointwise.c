/* nn_layers_pointwise.c — the nn_* layers over the normalisation, activation, layout and embedding
 * operators (src/ops/norm.h, activation.h, layout.h, timestep_embedding.h, gather_rows.h,
 * bias_per_batch.h, ops.h). */
#include "models/nn.h"
#include "ops/activation.h"
#include "ops/bias_per_batch.h"
#include "ops/timestep_embedding.h"
#include "ops/layout.h"
#include "ops/gather_rows.h"
#include "ops/norm.h"

static bool recording(const nn_graph *g) { return g->rec != NULL && g->status == PIXEEN_OK; }

static tensor like(nn_graph *g, const tensor *x) { return nn_alloc(g, x->rank, x->shape); }

tensor nn_group_norm(nn_graph *g, const tensor *x, const char *prefix, int groups, float eps, bool silu) {
    int64_t C = x->shape[x->rank - 1];
    tensor gamma = nn_weight_get(g, prefix, "weight", 1, (const int64_t[]){C});
    tensor beta = nn_weight_get(g, prefix, "bias", 1, (const int64_t[]){C});
    tensor out = like(g, x);
    /* per (batch, group) mean and rstd, fp32 */
    tensor stats = nn_alloc_dtype(g, DTYPE_F32, 1, (const int64_t[]){(int64_t)op_group_norm_stats_count((uint64_t)x->shape[0], (uint32_t)groups)});
    if (recording(g)) {
        tensor x4 = *x;
        if (x->rank == 3) x4 = nn_view(*x, 4, (const int64_t[]){x->shape[0], x->shape[1], 1, C});
        tensor o4 = nn_view(out, 4, x4.shape);
        op_group_norm_record(g->rec, &(op_group_norm_desc){.x = &x4, .gamma = &gamma, .beta = &beta, .out = &o4,
                                                           .stats = &stats, .groups = (uint32_t)groups, .eps = eps,
                                                           .silu = silu});
    }
    nn_release(g, &stats);
    return out;
}

tensor nn_layer_norm(nn_graph *g, const tensor *x, const char *prefix, float eps) {
    int64_t C = x->shape[x->rank - 1];
    tensor gamma = nn_weight_get(g, prefix, "weight", 1, (const int64_t[]){C});
    tensor beta = nn_weight_get(g, prefix, "bias", 1, (const int64_t[]){C});
    tensor out = like(g, x);
    if (recording(g)) op_layer_norm_record(g->rec, x, &gamma, &beta, eps, &out);
    return out;
}

static tensor activation(nn_graph *g, const tensor *x, op_activation_kind kind) {
    tensor out = like(g, x);
    if (recording(g)) op_activation_record(g->rec, kind, x, &out);
    return out;
}

tensor nn_silu(nn_graph *g, const tensor *x) { return activation(g, x, OP_ACT_SILU); }
tensor nn_gelu(nn_graph *g, const tensor *x) { return activation(g, x, OP_ACT_GELU_ERF); }
tensor nn_quick_gelu(nn_graph *g, const tensor *x) { return activation(g, x, OP_ACT_QUICK_GELU); }

tensor nn_geglu(nn_graph *g, const tensor *x) {
    int64_t shape[TENSOR_MAX_RANK];
    for (uint32_t i = 0; i < x->rank; i++) shape[i] = x->shape[i];
    shape[x->rank - 1] /= 2;
    tensor out = nn_alloc(g, x->rank, shape);
    /* diffusers' GEGLU uses F.gelu: the erf form */
    if (recording(g)) op_geglu_record(g->rec, OP_ACT_GELU_ERF, x, &out);
    return out;
}

tensor nn_add(nn_graph *g, const tensor *a, const tensor *b) {
    tensor out = like(g, a);
    if (recording(g)) op_binary_record(g->rec, OP_BINARY_ADD, a, b, 1, &out);
    return out;
}

void nn_add_per_batch_channel(nn_graph *g, const tensor *x, const tensor *e) {
    if (recording(g)) op_bias_per_batch_record(g->rec, x, e);
}

tensor nn_upsample2x(nn_graph *g, const tensor *x) { return nn_upsample_to(g, x, 2 * x->shape[1], 2 * x->shape[2]); }

tensor nn_upsample_to(nn_graph *g, const tensor *x, int64_t ho, int64_t wo) {
    tensor out = nn_alloc4(g, x->shape[0], ho, wo, x->shape[3]);
    if (recording(g)) op_upsample_nearest2x_record(g->rec, x, &out);
    return out;
}

tensor nn_concat_channels(nn_graph *g, const tensor *a, const tensor *b) {
    tensor out = nn_alloc4(g, a->shape[0], a->shape[1], a->shape[2], a->shape[3] + b->shape[3]);
    if (recording(g)) op_concat_channels_record(g->rec, a, b, &out);
    return out;
}

tensor nn_timestep_embedding(nn_graph *g, const tensor *t, int dim, bool flip_sin_to_cos, float shift) {
    tensor out = nn_alloc2(g, tensor_count(t), dim);
    if (recording(g))
        op_timestep_embedding_record(g->rec, &(op_timestep_embedding_desc){.timesteps = t, .t_index = 0, .t_stride = 1,
                                                                            .out = &out, .flip_sin_to_cos = flip_sin_to_cos,
                                                                            .downscale_freq_shift = shift});
    return out;
}

tensor nn_gather_rows(nn_graph *g, const tensor *x, const tensor *rows) {
    tensor out = nn_alloc2(g, rows->shape[0], x->shape[1]);
    if (recording(g)) op_gather_rows_record(g->rec, rows, x, &out);
    return out;
}
