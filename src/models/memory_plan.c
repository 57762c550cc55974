/* memory_plan.c — see memory_plan.h. */
#include "models/memory_plan.h"

#include <stdlib.h>
#include <string.h>

#include "models/model_spec.h"
#include "models/nn.h"
#include "models/unet.h"
#include "models/vae.h"

static int weight_name_cmp(const void *a, const void *b) {
    return strcmp(((const nn_weight *)a)->name, ((const nn_weight *)b)->name);
}

/* Names and shapes of a spec as an nn_weights table without buffers (sorted by name, as the
 * builders' lookup expects). The names point into `spec`, which must outlive the table. */
static pixeen_status shapes_only(spec_list *spec, model_component component, nn_weights *out) {
    memset(out, 0, sizeof *out);
    out->items = calloc(spec->count ? spec->count : 1, sizeof *out->items);
    if (!out->items) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "memory plan: out of host memory");
    for (size_t i = 0; i < spec->count; i++) {
        const tensor_spec *s = &spec->items[i];
        nn_weight *w = &out->items[i];
        w->name = spec->items[i].name;
        w->t.dtype = DTYPE_F16;
        w->t.rank = (uint32_t)s->ndim;
        for (int d = 0; d < s->ndim; d++) w->t.shape[d] = s->shape[d];
        out->bytes += tensor_bytes(&w->t);
    }
    out->count = spec->count;
    qsort(out->items, out->count, sizeof *out->items, weight_name_cmp);
    /* an empty Winograd cache where an uploaded table has one: the transformed kernels are then
     * planned outside the arena (winograd_bytes), as nn_program_build does; elsewhere in it */
    if (!nn_weights_keep_winograd(component)) return PIXEEN_OK;
    out->winograd = calloc(1, sizeof *out->winograd);
    if (!out->winograd) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "memory plan: out of host memory");
    return PIXEEN_OK;
}

static pixeen_status plan_run(const nn_weights *w, tensor_dtype act, nn_build_fn build, void *user, memory_plan *out) {
    nn_plan plan;
    pixeen_status st = nn_program_plan(NULL, w, act, build, user, &plan);
    *out = (memory_plan){plan.arena_bytes, plan.largest_bytes, plan.flops, plan.winograd_bytes};
    return st;
}

typedef struct unet_inputs {
    const unet_config *c;
    int64_t batch, h, w, tokens;
} unet_inputs;

static tensor plan_unet_build(nn_graph *g, void *user) {
    unet_inputs *u = user;
    const unet_config *c = u->c;
    /* The inputs are the pipeline's own buffers, outside the arena: shapes only here. */
    tensor sample = {.dtype = g->act, .rank = 4, .shape = {u->batch, u->h, u->w, c->in_channels}};
    tensor t = {.dtype = DTYPE_F32, .rank = 1, .shape = {u->batch}};
    tensor ctx = {.dtype = g->act, .rank = 3, .shape = {u->batch, u->tokens, c->cross_attention_dim}};
    tensor text = {.dtype = g->act, .rank = 2,
                   .shape = {u->batch, c->projection_class_embeddings_input_dim - 6 * c->addition_time_embed_dim}};
    tensor ids = {.dtype = DTYPE_F32, .rank = 1, .shape = {u->batch * 6}};
    unet_added_inputs added = {&text, &ids};
    return unet_forward_added(g, c, &sample, &t, &ctx, c->addition_time_embed_dim ? &added : NULL);
}

pixeen_status memory_plan_unet(const unet_config *c, int64_t batch, int64_t latent_h, int64_t latent_w,
                               int64_t context_tokens, tensor_dtype act, memory_plan *out) {
    memset(out, 0, sizeof *out);
    spec_list spec = {0};
    nn_weights w = {0};
    pixeen_status st = spec_unet(c, &spec);
    if (st == PIXEEN_OK) st = shapes_only(&spec, MODEL_UNET, &w);
    unet_inputs in = {c, batch, latent_h, latent_w, context_tokens};
    if (st == PIXEEN_OK) st = plan_run(&w, act, plan_unet_build, &in, out);
    free(w.items);
    free(w.winograd);
    spec_list_free(&spec);
    return st;
}

typedef struct vae_inputs {
    const vae_config *c;
    int64_t batch, h, w;
} vae_inputs;

static tensor plan_vae_build(nn_graph *g, void *user) {
    vae_inputs *v = user;
    /* as txt2img's decode program: the latents scaled into an arena tensor first */
    tensor z = nn_alloc4(g, v->batch, v->h, v->w, v->c->latent_channels);
    tensor img = vae_decode_forward(g, v->c, &z);
    nn_release(g, &z);
    return img;
}

pixeen_status memory_plan_vae_decode(const vae_config *c, int64_t batch, int64_t latent_h, int64_t latent_w,
                                     tensor_dtype act, memory_plan *out) {
    memset(out, 0, sizeof *out);
    spec_list spec = {0};
    nn_weights w = {0};
    pixeen_status st = spec_vae(c, &spec);
    if (st == PIXEEN_OK) st = shapes_only(&spec, MODEL_VAE, &w);
    vae_inputs in = {c, batch, latent_h, latent_w};
    if (st == PIXEEN_OK) st = plan_run(&w, act, plan_vae_build, &in, out);
    free(w.items);
    free(w.winograd);
    spec_list_free(&spec);
    return st;
}

static uint64_t fp16_bytes(pixeen_status st, const spec_list *spec) {
    return st == PIXEEN_OK ? spec_list_parameters(spec) * 2 : 0;
}

uint64_t memory_plan_unet_weight_bytes(const unet_config *c) {
    spec_list spec = {0};
    uint64_t bytes = fp16_bytes(spec_unet(c, &spec), &spec);
    spec_list_free(&spec);
    return bytes;
}

uint64_t memory_plan_clip_weight_bytes(const clip_config *c) {
    spec_list spec = {0};
    uint64_t bytes = fp16_bytes(spec_clip(c, &spec), &spec);
    spec_list_free(&spec);
    return bytes;
}

uint64_t memory_plan_vae_weight_bytes(const vae_config *c) {
    spec_list spec = {0};
    uint64_t bytes = fp16_bytes(spec_vae(c, &spec), &spec);
    spec_list_free(&spec);
    return bytes;
}
