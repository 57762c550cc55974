/* token_embedding.c — see token_embedding.h and shaders/token_embedding.comp.
 */
#include "ops/token_embedding.h"

#include "ops/common.h"

void op_token_embedding_record(gpu_recorder *rec, const tensor *ids, const tensor *table, const tensor *pos,
                               const tensor *out) {
    int64_t B = ids->shape[0], T = ids->shape[1], D = table->shape[1];
    if (ids->dtype != DTYPE_I32 || table->dtype != DTYPE_F16 || out->rank != 3 || out->shape[0] != B ||
        out->shape[1] != T || out->shape[2] != D || (pos && (pos->shape[1] != D || pos->shape[0] < T))) {
        op_fail(rec, error_set(PIXEEN_ERROR_INTERNAL,
                               "ops: token_embedding: ids [%lld,%lld], table "
                               "[%lld,%lld]: shapes do not fit",
                               (long long)B, (long long)T, (long long)table->shape[0], (long long)D));
        return;
    }
    if (!op_fits_binding(rec, table, "token_embedding") || !op_fits_binding(rec, out, "token_embedding")) return;
    gpu_pipeline_desc desc = {
        .shader = OP_SHADER(TOKEN_EMBEDDING, out->dtype),
        .binding_count = 4,
        .push_size = 20,
    };
    gpu_pipeline *pipeline = op_pipeline(rec, &desc);
    if (!pipeline) return;
    struct {
        uint32_t n, d, t, vocab, has_pos;
    } push = {(uint32_t)(B * T * D), (uint32_t)D, (uint32_t)T, (uint32_t)table->shape[0], pos != NULL};
    /* without position embeddings the table is bound twice: the shader does not
     * read binding 2 */
    gpu_binding bindings[4] = {op_bind(ids, false), op_bind(table, false), op_bind(pos ? pos : table, false),
                               op_bind(out, true)};
    op_dispatch_groups(rec, pipeline, bindings, 4, &push, sizeof push, ((uint64_t)push.n + 255) / 256,
                       "token_embedding");
}
