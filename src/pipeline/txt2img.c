/* txt2img.c — see txt2img.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/f16.h"
#include "core/log.h"
#include "core/secure_mem.h"
#include "models/clip.h"
#include "models/unet.h"
#include "models/vae.h"
#include "ops/finite_count.h"
#include "ops/image_rgba8.h"
#include "ops/latent_scale.h"
#include "ops/sampler_step.h"
#include "ops/token_weights.h"
#include "pipeline/extras.h"
#include "pipeline/run_tensor.h"
#include "pipeline/txt2img.h"
#include "pipeline/vae_tiling.h"
#include "text/prompt_weights.h"

/* SDXL's added conditioning: six numbers per image (original h, w, crop top, left, target h, w). */
#define TIME_IDS 6

/* $PIXEEN_PIPELINE_TIMES=1: each program's new pipelines are compiled one by one before its first
 * submit, timed, and logged (`-v`; per pipeline with PIXEEN_LOG=debug) — a measurement of what a cold
 * start pays for, not a speed-up: on Mesa 22.3's lavapipe the real first dispatch compiles again
 * (gpu_pipelines_compile's contract comment), so this makes the run slower. */
static pixeen_status compile_logged(gpu_context *ctx, const char *what) {
    const char *env = getenv("PIXEEN_PIPELINE_TIMES");
    if (!env || !strcmp(env, "0")) return PIXEEN_OK;
    gpu_compile_report r;
    PX_TRY(gpu_pipelines_compile(ctx, &r));
    if (r.pipelines)
        log_info("txt2img: %s: %u new pipelines compiled in %.2f s (slowest %s, %.2f s)", what, r.pipelines, r.seconds,
                 r.slowest, r.slowest_seconds);
    return PIXEEN_OK;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* One text encoder's part of the conditioning. The first encoder's program gives its context; each
 * later one concatenates its own to the previous program's output (which stays alive until the
 * run ends), so the last program's output is the UNet's whole context. */
typedef struct text_build {
    const clip_config *cfg;
    const family_text_encoder *enc;
    tensor ids;      /* int32 [rows, 77] */
    tensor weights;  /* fp32 [rows, 77], or rank 0 when every weight is 1 */
    tensor eos_rows; /* int32 [prompts]: each prompt's end token in the flattened [rows * 77] */
    const tensor *prev; /* the previous encoders' context [rows, 77, Dprev], or NULL */
    int clip_skip;
    /* diffusers' force_zeros_for_empty_prompt: the unconditional rows become zeros */
    uint64_t zero_context_rows, zero_pooled_rows;
    tensor pooled;      /* out: [prompts, P] when enc->pooled */
} text_build;

/* Zeroes the first `rows` rows of a [R, ...] activation (rows * row_bytes, a multiple of 4). */
static void zero_leading_rows(nn_graph *g, const tensor *t, uint64_t rows) {
    uint64_t row_bytes = tensor_bytes(t) / (uint64_t)t->shape[0];
    if (g->rec && g->status == PIXEEN_OK && rows && (rows * row_bytes) % 4 == 0)
        gpu_record_fill(g->rec, t->buffer, t->offset, rows * row_bytes, 0);
}

static tensor build_text(nn_graph *g, void *user) {
    text_build *t = user;
    bool penultimate = t->enc->context == FAMILY_CONTEXT_PENULTIMATE;
    /* clip skip counts from the family's own layer: SDXL's 1 is hidden_states[-2] */
    int skip = penultimate ? t->clip_skip + 1 : t->clip_skip;
    tensor z = clip_text_forward_pooled(g, t->cfg, &t->ids, skip, !penultimate, t->enc->pooled ? &t->eos_rows : NULL,
                                        t->enc->pooled ? &t->pooled : NULL);
    if (g->rec && g->status == PIXEEN_OK && t->weights.rank) op_token_weights_record(g->rec, &z, &t->weights);
    if (t->enc->pooled) zero_leading_rows(g, &t->pooled, t->zero_pooled_rows);
    if (!t->prev) {
        zero_leading_rows(g, &z, t->zero_context_rows);
        return z;
    }
    int64_t rows = z.shape[0], T = z.shape[1], D = z.shape[2], Dp = t->prev->shape[2];
    tensor a = nn_view(*t->prev, 4, (const int64_t[]){rows, 1, T, Dp});
    tensor b = nn_view(z, 4, (const int64_t[]){rows, 1, T, D});
    tensor cat = nn_concat_channels(g, &a, &b);
    nn_release(g, &z);
    tensor out = nn_view(cat, 3, (const int64_t[]){rows, T, Dp + D});
    zero_leading_rows(g, &out, t->zero_context_rows);
    return out;
}

/* Token ids for [uncond x B; cond x B] (or cond x B without guidance), each prompt cut into the
 * same number of 77-token chunks (the shorter padded with empty chunks, as AUTOMATIC1111 does).
 * Returns rows = prompts * chunks in *rows and chunks in *chunks; the caller frees *ids. */
static pixeen_status encode_prompts(const tokenizer *tok, const txt2img_request *req, prompt_embedding_set *emb, bool cfg,
                                    int32_t **ids, float **weights, int32_t **side, int64_t *rows, int64_t *chunks) {
    prompt_chunks pos = {0}, neg = {0}, empty = {0};
    const char *negative = req->negative_prompt ? req->negative_prompt : "";
    if (emb && !emb->count) emb = NULL;
    pixeen_status status = prompt_encode_embeddings(tok, req->prompt, strlen(req->prompt), emb, &pos);
    if (status == PIXEEN_OK && cfg) status = prompt_encode_embeddings(tok, negative, strlen(negative), emb, &neg);
    if (status == PIXEEN_OK) status = prompt_encode(tok, "", 0, &empty);
    if (status != PIXEEN_OK) {
        prompt_chunks_free(&pos);
        prompt_chunks_free(&neg);
        prompt_chunks_free(&empty);
        return status;
    }
    size_t k = pos.count > neg.count ? pos.count : neg.count;
    int64_t prompts = (cfg ? 2 : 1) * (int64_t)req->batch;
    *ids = malloc((size_t)prompts * k * TOKENIZER_CONTEXT * sizeof **ids);
    *weights = malloc((size_t)prompts * k * TOKENIZER_CONTEXT * sizeof **weights);
    size_t placed = 0; /* embedding uses: side-table indices are uploaded only when there are some */
    for (size_t e = 0; emb && e < emb->count; e++) placed += emb->items[e].uses;
    *side = placed ? malloc((size_t)prompts * k * TOKENIZER_CONTEXT * sizeof **side) : NULL;
    if (!*ids || !*weights || (placed && !*side)) status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
    for (int64_t p = 0; status == PIXEEN_OK && p < prompts; p++) {
        const prompt_chunks *src = cfg && p < req->batch ? &neg : &pos;
        for (size_t c = 0; c < k; c++) {
            const prompt_chunks *from = c < src->count ? src : &empty;
            size_t at = ((size_t)p * k + c) * TOKENIZER_CONTEXT, chunk = c < src->count ? c : 0;
            memcpy(*ids + at, from->ids[chunk], TOKENIZER_CONTEXT * sizeof **ids);
            memcpy(*weights + at, from->weights[chunk], TOKENIZER_CONTEXT * sizeof **weights);
            for (size_t i = 0; *side && i < TOKENIZER_CONTEXT; i++) (*side)[at + i] = from->side ? from->side[chunk][i] : -1;
        }
    }
    *rows = prompts * (int64_t)k;
    *chunks = (int64_t)k;
    prompt_chunks_free(&pos);
    prompt_chunks_free(&neg);
    prompt_chunks_free(&empty);
    return status;
}

/* Textual inversion: the side table of text encoder `which` (fp16 [S, D]) and each position's
 * row (int32 [rows, 77], -1 for ordinary tokens), on the GPU. */
static pixeen_status upload_side(gpu_context *ctx, const extras *ex, int which, const int64_t token_shape[2],
                                 const int32_t *side, tensor *table, tensor *index) {
    if (!ex->side[which] || ex->emb.rows <= 0)
        return error_set(PIXEEN_ERROR_INTERNAL, "txt2img: embeddings placed without vectors for text encoder %d", which + 1);
    const int64_t shape[2] = {ex->emb.rows, ex->side_dim[which]};
    PX_TRY(run_tensor_create(ctx, DTYPE_F16, 2, shape, "embedding vectors", table));
    uint16_t *half = malloc((size_t)(shape[0] * shape[1]) * sizeof *half);
    if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
    f32_to_f16_array(half, ex->side[which], (size_t)(shape[0] * shape[1]));
    pixeen_status st = gpu_buffer_upload(ctx, table->buffer, 0, half, tensor_bytes(table));
    free(half);
    if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_I32, 2, token_shape, "embedding positions", index);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, index->buffer, 0, side, tensor_bytes(index));
    return st;
}

/* ---- the denoising step -------------------------------------------------------------------- */

typedef struct step_build {
    const unet_config *cfg;
    op_sampler_bindings sampler;
    uint32_t halves;
    float guidance;
    tensor unet_in, t, context, prev, noise;
    tensor text_embeds, time_ids; /* the family's added inputs (rank 0 when it has none) */
    uint32_t noise_steps;
    const edit_state *edit; /* img2img / inpainting hooks (no-ops for text to image) */
    gpu_buffer *state;
    gpu_buffer *finite; /* [0]: non-finite latents, summed over the steps */
} step_build;

static tensor build_step(nn_graph *g, void *user) {
    step_build *s = user;
    if (g->rec) op_sampler_input_record(g->rec, &s->sampler, s->halves, &s->unet_in, &s->t);
    tensor in = edit_unet_input(g, s->edit, &s->unet_in);
    unet_added_inputs added = {s->text_embeds.rank ? &s->text_embeds : NULL, s->time_ids.rank ? &s->time_ids : NULL};
    tensor eps = unet_forward_added(g, s->cfg, &in, &s->t, &s->context, &added);
    edit_release_unet_input(g, s->edit, &in);
    if (g->rec && g->status == PIXEEN_OK)
        op_sampler_update_record(g->rec, &s->sampler, s->halves, s->guidance, &eps, &s->prev, &s->noise, s->noise_steps);
    if (g->rec && g->status == PIXEEN_OK) op_finite_count_record(g->rec, s->sampler.x, s->finite, 0);
    nn_release(g, &eps);
    edit_record_after_update(g, s->edit, s->state, s->sampler.x);
    return *s->sampler.x;
}

/* ---- decoding ------------------------------------------------------------------------------- */

typedef struct decode_build {
    const vae_config *cfg;
    const taesd *taesd;    /* decodes instead of the VAE when set (latents as they are: no scaling) */
    const tensor *latents; /* fp32 NHWC */
    const vae_tiling *tiling; /* the VAE's tiles (pipeline/vae_tiling.h), or untiled */
    gpu_buffer *rgba;
    gpu_buffer *finite; /* [1]: non-finite values of the decoded image */
} decode_build;

static tensor build_decode(nn_graph *g, void *user) {
    decode_build *d = user;
    tensor img;
    if (d->taesd) {
        tensor z = nn_alloc(g, 4, d->latents->shape);
        if (g->rec) op_latent_scale_record(g->rec, d->latents, 1.0f, &z);
        img = taesd_decode_forward(g, &d->taesd->cfg, &z);
        nn_release(g, &z);
    } else {
        img = vae_tiling_decode(g, d->tiling, d->cfg, d->latents, 1.0f / d->cfg->scaling_factor);
    }
    if (g->rec && g->status == PIXEEN_OK) op_finite_count_record(g->rec, &img, d->finite, 1);
    if (g->rec && g->status == PIXEEN_OK) op_image_rgba8_record(g->rec, &img, d->rgba, 0);
    return img; /* stays allocated: the arena's last tensor, read back only in debug runs */
}

/* The decode's arena, planned before the steps (planning records and allocates nothing): a size
 * whose decode needs one buffer beyond the device's largest allocation (SDXL's fp32 VAE at
 * 1024x1024 plans 2816 MiB; lavapipe 22.3 allows 2048) fails at once, not after the denoising. */
static pixeen_status decode_check(gpu_context *ctx, const nn_weights *w, tensor_dtype act, decode_build *d, int width,
                                  int height) {
    uint64_t limit = gpu_context_caps(ctx)->max_memory_allocation;
    nn_plan plan;
    PX_TRY(nn_program_plan(ctx, w, act, build_decode, d, &plan));
    if (limit && plan.arena_bytes > limit)
        return error_set(PIXEEN_ERROR_GPU_OUT_OF_MEMORY,
                         "txt2img: decoding %dx%d needs one buffer of %llu MiB for the %s activations (largest %llu MiB), "
                         "over this device's largest allocation (%llu MiB): use a smaller size",
                         width, height, (unsigned long long)(plan.arena_bytes >> 20), d->taesd ? "TAESD's" : "VAE's",
                         (unsigned long long)(plan.largest_bytes >> 20), (unsigned long long)(limit >> 20));
    return PIXEEN_OK;
}

/* ---- the run -------------------------------------------------------------------------------- */

typedef struct run_state {
    float *host_noise;
    sampler_plan *plan;
    tensor ids_t[FAMILY_MAX_ENCODERS], weights_t[FAMILY_MAX_ENCODERS], eos_t[FAMILY_MAX_ENCODERS];
    /* textual inversion, per text encoder: the side table and each position's row */
    tensor side_t[FAMILY_MAX_ENCODERS], side_index_t[FAMILY_MAX_ENCODERS];
    tensor time_ids, x, prev, noise, unet_in, t;
    gpu_buffer *plan_buf, *state_buf, *finite_buf;
    nn_program text[FAMILY_MAX_ENCODERS], step, decode;
    vae_tiling tiling;
    text_build tb[FAMILY_MAX_ENCODERS];
    schedule_table table;
    bool table_made;
    edit_state edit;
} run_state;

static void run_state_free(run_state *s) {
    free(s->host_noise);
    sampler_plan_destroy(s->plan);
    for (int e = 0; e < FAMILY_MAX_ENCODERS; e++) {
        gpu_buffer_destroy_wiped(s->ids_t[e].buffer);
        gpu_buffer_destroy_wiped(s->weights_t[e].buffer);
        gpu_buffer_destroy(s->eos_t[e].buffer);
        gpu_buffer_destroy_wiped(s->side_t[e].buffer);
        gpu_buffer_destroy_wiped(s->side_index_t[e].buffer);
        nn_program_free(&s->text[e]);
    }
    gpu_buffer_destroy(s->time_ids.buffer);
    gpu_buffer_destroy_wiped(s->x.buffer);
    gpu_buffer_destroy_wiped(s->prev.buffer);
    gpu_buffer_destroy_wiped(s->noise.buffer);
    gpu_buffer_destroy_wiped(s->unet_in.buffer);
    gpu_buffer_destroy(s->t.buffer);
    gpu_buffer_destroy(s->plan_buf);
    gpu_buffer_destroy(s->state_buf);
    gpu_buffer_destroy(s->finite_buf);
    nn_program_free(&s->step);
    nn_program_free(&s->decode);
    vae_tiling_free(&s->tiling);
    if (s->table_made) schedule_table_destroy(&s->table);
    edit_free(&s->edit);
}

static pixeen_status check_request(const sd_model *m, const txt2img_request *r) {
    const vae_config *vae = model_vae_config(m->files);
    if (!r->prompt) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: the prompt is NULL");
    if (r->width <= 0 || r->height <= 0 || r->width % vae->downscale || r->height % vae->downscale)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: size %dx%d: width and height must be positive multiples of %d",
                         r->width, r->height, vae->downscale);
    if (r->width > 4096 || r->height > 4096)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: size %dx%d is above the 4096x4096 limit", r->width, r->height);
    if (r->batch < 1 || r->batch > 64) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: batch %d (expected 1..64)", r->batch);
    if (!(r->guidance >= 0.0f && r->guidance <= 100.0f))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: guidance %g (expected 0..100)", (double)r->guidance);
    for (int e = 0; e < m->family->encoder_count; e++) {
        const clip_config *clip = model_clip_config(m->files, m->family->encoders[e].component);
        /* a family conditioning on the penultimate layer counts clip skip from there */
        int most = clip->num_layers - (m->family->encoders[e].context == FAMILY_CONTEXT_PENULTIMATE ? 1 : 0);
        if (r->clip_skip < 1 || r->clip_skip > most)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: clip skip %d (expected 1..%d)", r->clip_skip, most);
    }
    int sizes[6] = {r->original_width, r->original_height, r->crop_x, r->crop_y, r->target_width, r->target_height};
    for (int i = 0; i < 6; i++)
        if (sizes[i] < 0 || sizes[i] > 16384)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: size conditioning %d (expected 0..16384)", sizes[i]);
    return PIXEEN_OK;
}

/* The first position of the largest id in a 77-token row: transformers' pooled-output rule for
 * CLIP configs with eos_token_id 2 (every SD text encoder: the end token is the vocabulary's
 * last id, and "!" pads OpenCLIP's rows); other configs pool at the first end token. */
static int64_t pooled_position(const int32_t *ids, int32_t eos, bool legacy) {
    int64_t best = 0;
    for (int64_t i = 0; i < TOKENIZER_CONTEXT; i++) {
        if (!legacy && ids[i] == eos) return i;
        if (ids[i] > ids[best]) best = i;
    }
    return best;
}

/* Steps 1-2: prompts -> the UNet's context [rows, 77*k, D] (and the pooled text), on the GPU: one
 * program per text encoder of the family. */
static pixeen_status encode_text(sd_model *m, const txt2img_request *req, extras *ex, bool cfg, bool zero_uncond,
                                 run_state *s, int64_t *chunks) {
    gpu_context *ctx = m->ctx;
    const family_desc *fam = m->family;
    const int64_t prompts = (cfg ? 2 : 1) * (int64_t)req->batch;
    pixeen_status status = PIXEEN_OK;
    for (int e = 0; e < fam->encoder_count && status == PIXEEN_OK; e++) {
        const family_text_encoder *enc = &fam->encoders[e];
        const clip_config *ccfg = model_clip_config(m->files, enc->component);
        int32_t *ids = NULL, *side = NULL;
        float *weights = NULL;
        int64_t rows = 0, k = 0;
        status = encode_prompts(m->tokenizers[e], req, &ex->emb, cfg, &ids, &weights, &side, &rows, &k);
        if (status == PIXEEN_OK && e > 0 && k != *chunks)
            status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: the prompt makes %lld chunks for %s but %lld for %s",
                               (long long)k, model_component_name(enc->component), (long long)*chunks,
                               model_component_name(fam->encoders[0].component));
        *chunks = k;
        const int64_t token_shape[2] = {rows, TOKENIZER_CONTEXT};
        if (status == PIXEEN_OK) status = run_tensor_create(ctx, DTYPE_I32, 2, token_shape, "token ids", &s->ids_t[e]);
        if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s->ids_t[e].buffer, 0, ids, tensor_bytes(&s->ids_t[e]));
        bool weighted = false; /* emphasis costs a pass only when the prompt uses it */
        for (int64_t i = 0; status == PIXEEN_OK && i < rows * TOKENIZER_CONTEXT; i++) weighted |= weights[i] != 1.0f;
        if (status == PIXEEN_OK && weighted)
            status = run_tensor_create(ctx, DTYPE_F32, 2, token_shape, "token weights", &s->weights_t[e]);
        if (status == PIXEEN_OK && weighted)
            status = gpu_buffer_upload(ctx, s->weights_t[e].buffer, 0, weights, tensor_bytes(&s->weights_t[e]));
        if (status == PIXEEN_OK && enc->pooled) {
            /* each prompt pools at its first chunk's end token */
            int32_t eos_rows[128];
            bool legacy = ccfg->eos_token_id < 0 || ccfg->eos_token_id == 2;
            for (int64_t p = 0; p < prompts; p++) {
                int64_t row = p * k;
                eos_rows[p] = (int32_t)(row * TOKENIZER_CONTEXT +
                                        pooled_position(ids + row * TOKENIZER_CONTEXT, tokenizer_eos(m->tokenizers[e]), legacy));
            }
            status = run_tensor_create(ctx, DTYPE_I32, 1, (const int64_t[]){prompts}, "pooled rows", &s->eos_t[e]);
            if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s->eos_t[e].buffer, 0, eos_rows, (uint64_t)prompts * 4);
        }
        if (status == PIXEEN_OK && side)
            status = upload_side(ctx, ex, e, token_shape, side, &s->side_t[e], &s->side_index_t[e]);
        nn_weights *w = &m->weights[enc->component];
        if (status == PIXEEN_OK && side) {
            w->token_side = &s->side_t[e];
            w->token_side_index = &s->side_index_t[e];
        }
        /* The prompt, as ids, weights and embedding positions: wiped (core/secure_mem.h). */
        secure_free(ids, ids ? (size_t)rows * TOKENIZER_CONTEXT * sizeof *ids : 0);
        secure_free(weights, weights ? (size_t)rows * TOKENIZER_CONTEXT * sizeof *weights : 0);
        secure_free(side, side ? (size_t)rows * TOKENIZER_CONTEXT * sizeof *side : 0);
        text_build *tb = &s->tb[e];
        *tb = (text_build){.cfg = ccfg, .enc = enc, .ids = s->ids_t[e], .weights = s->weights_t[e], .eos_rows = s->eos_t[e],
                           .prev = e ? &s->text[e - 1].output : NULL, .clip_skip = req->clip_skip};
        if (zero_uncond) {
            tb->zero_context_rows = (uint64_t)req->batch * (uint64_t)k;
            tb->zero_pooled_rows = (uint64_t)req->batch;
        }
        if (status == PIXEEN_OK) status = nn_program_build(ctx, w, m->act, build_text, tb, &s->text[e]);
        if (status == PIXEEN_OK) status = compile_logged(ctx, "text encoder");
        w->token_side = NULL;
        w->token_side_index = NULL;
        if (status == PIXEEN_OK) status = gpu_recorder_submit(s->text[e].rec);
    }
    return status;
}

/* Draws the initial latents and every step's noise in the order diffusers draws them from one
 * generator, NHWC, into s->host_noise = [init | step 0 | step 1 | ...]; returns the noise steps. */
static pixeen_status draw_noise(const txt2img_request *req, run_state *s, int64_t B, int64_t C, int64_t HW,
                                uint32_t *noise_steps) {
    size_t n = (size_t)(B * C * HW);
    uint32_t steps = (uint32_t)s->plan->steps;
    s->host_noise = malloc(n * (steps + 1) * sizeof(float));
    float *nchw = malloc(n * sizeof(float));
    if (!s->host_noise || !nchw) {
        free(nchw);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
    }
    rng r;
    pixeen_status status = rng_init(&r, req->rng, req->seed);
    if (status == PIXEEN_OK) status = edit_draw_before_noise(&s->edit, &r);
    if (status == PIXEEN_OK && req->init_noise) memcpy(nchw, req->init_noise, n * sizeof(float));
    else if (status == PIXEEN_OK) status = rng_randn(&r, nchw, n);
    if (status == PIXEEN_OK) status = edit_keep_noise(&s->edit, nchw);
    if (status == PIXEEN_OK) status = edit_draw_after_noise(&s->edit, &r);
    if (status == PIXEEN_OK) {
        for (size_t i = 0; i < n; i++) nchw[i] *= s->plan->init_sigma;
        nchw_to_nhwc(nchw, s->host_noise, B, C, HW);
    }
    *noise_steps = 0;
    for (uint32_t k = 0; status == PIXEEN_OK && k < steps; k++) {
        float *dst = s->host_noise + n * (k + 1);
        if (!(s->plan->step[k].flags & SAMPLER_STEP_DRAW_NOISE)) {
            memset(dst, 0, n * sizeof(float));
            continue;
        }
        if (req->step_noise) memcpy(nchw, req->step_noise + n * k, n * sizeof(float));
        else status = rng_randn(&r, nchw, n);
        nchw_to_nhwc(nchw, dst, B, C, HW);
        *noise_steps = k + 1;
    }
    free(nchw);
    return status;
}

pixeen_status txt2img_run(sd_model *m, const txt2img_request *req, txt2img_result *out) {
    memset(out, 0, sizeof *out);
    PX_TRY(check_request(m, req));
    gpu_context *ctx = m->ctx;
    const unet_config *ucfg = model_unet_config(m->files);
    const vae_config *vcfg = model_vae_config(m->files);
    const family_desc *fam = m->family;
    const bool cfg = req->guidance != 1.0f;
    const uint32_t halves = cfg ? 2 : 1;
    const int64_t B = req->batch, C = vcfg->latent_channels, h = req->height / vcfg->downscale, w = req->width / vcfg->downscale;
    const int64_t n = B * C * h * w;
    double start = clock_wall_seconds();
    run_state s = {0};

    /* 0. <lora:...> tags out of the prompts; LoRAs merged (or the originals back) */
    extras ex;
    PX_TRY(extras_prepare(m, req, &ex));
    txt2img_request plain = *req;
    plain.prompt = ex.pos.text;
    plain.negative_prompt = ex.neg.text;
    pixeen_status status = edit_begin(m, req->edit, req->width, req->height, req->batch, &s.edit);
    s.edit.tiling = &req->vae_tiling; /* the encoder tiles as the decoder does */

    /* 1-2. prompts -> the UNet's context [halves*B, 77*k, D] (and the pooled text), on the GPU;
     * diffusers' force_zeros_for_empty_prompt: no negative prompt given -> zero embeddings */
    int64_t chunks = 0;
    const bool zero_uncond = cfg && fam->zero_negative_when_absent && !req->negative_prompt;
    if (status == PIXEEN_OK) status = encode_text(m, &plain, &ex, cfg, zero_uncond, &s, &chunks);
    extras_free(&ex);
    /* phase times for the log: text encoders, the step's recording, first step (lavapipe compiles
     * shaders at their first dispatch), the other steps, the decode */
    double t_text = clock_wall_seconds(), t_recorded = t_text, t_first = t_text, t_steps = t_text;
    double c_recorded = clock_cpu_seconds(), c_first = c_recorded, c_steps = c_recorded;
    const nn_program *last_text = &s.text[fam->encoder_count - 1];
    if (status == PIXEEN_OK && fam->added_time_ids) {
        /* diffusers: original and target size default to the image's, crop to (0, 0); (h, w) order */
        float ids[TIME_IDS] = {(float)(req->original_height ? req->original_height : req->height),
                               (float)(req->original_width ? req->original_width : req->width),
                               (float)req->crop_y,
                               (float)req->crop_x,
                               (float)(req->target_height ? req->target_height : req->height),
                               (float)(req->target_width ? req->target_width : req->width)};
        float all[TIME_IDS * 128];
        for (int64_t r = 0; r < halves * B; r++) memcpy(all + r * TIME_IDS, ids, sizeof ids);
        status = run_tensor_create(ctx, DTYPE_F32, 1, (const int64_t[]){halves * B * TIME_IDS}, "time ids", &s.time_ids);
        if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s.time_ids.buffer, 0, all, tensor_bytes(&s.time_ids));
    }

    /* 3. the sampler plan and the noise */
    if (status == PIXEEN_OK) status = schedule_table_create(&m->schedule, &s.table);
    s.table_made = status == PIXEEN_OK;
    if (status == PIXEEN_OK) status = sampler_plan_create(&m->schedule, &s.table, &req->sampler, &s.plan);
    if (status == PIXEEN_OK) status = edit_trim_plan(&s.edit, s.plan);
    uint32_t noise_steps = 0;
    if (status == PIXEEN_OK) status = draw_noise(req, &s, B, C, h * w, &noise_steps);
    const int64_t lat_shape[4] = {B, h, w, C};
    if (status == PIXEEN_OK) status = run_tensor_create(ctx, DTYPE_F32, 4, lat_shape, "latents", &s.x);
    if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s.x.buffer, 0, s.host_noise, tensor_bytes(&s.x));
    if (status == PIXEEN_OK) status = run_tensor_create(ctx, DTYPE_F32, 4, lat_shape, "prev denoised", &s.prev);
    if (status == PIXEEN_OK) {
        int64_t noise_rows = noise_steps ? noise_steps : 1;
        status = run_tensor_create(ctx, DTYPE_F32, 2, (const int64_t[]){noise_rows, n}, "step noise", &s.noise);
        if (status == PIXEEN_OK && noise_steps)
            status = gpu_buffer_upload(ctx, s.noise.buffer, 0, s.host_noise + n, (uint64_t)noise_steps * n * sizeof(float));
    }
    if (status == PIXEEN_OK)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof(sampler_step) * (size_t)s.plan->steps, "plan", &s.plan_buf);
    if (status == PIXEEN_OK)
        status = gpu_buffer_upload(ctx, s.plan_buf, 0, s.plan->step, sizeof(sampler_step) * (size_t)s.plan->steps);
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_HOST, 4, "step index", &s.state_buf);
    if (status == PIXEEN_OK) status = edit_prepare(m, &s.edit, s.plan, &s.x, halves);
    /* Counts of non-finite latents and image values, read once after the steps and once after the
     * decode: NaN weights or an fp16 overflow would otherwise give a silent black image. */
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_HOST, 8, "finite flags", &s.finite_buf);
    uint32_t *finite = s.finite_buf ? gpu_buffer_map(s.finite_buf) : NULL;
    if (finite) finite[0] = finite[1] = 0;

    /* 4. the step, recorded once */
    if (status == PIXEEN_OK)
        status = run_tensor_create(ctx, m->act, 4, (const int64_t[]){halves * B, h, w, C}, "unet input", &s.unet_in);
    if (status == PIXEEN_OK) status = run_tensor_create(ctx, DTYPE_F32, 1, (const int64_t[]){halves * B}, "timesteps", &s.t);
    step_build sb = {.cfg = ucfg, .halves = halves, .guidance = req->guidance, .noise_steps = noise_steps,
                     .edit = &s.edit, .state = s.state_buf, .finite = s.finite_buf};
    if (status == PIXEEN_OK) {
        sb.sampler = (op_sampler_bindings){s.plan_buf, s.state_buf, &s.x};
        sb.unet_in = s.unet_in;
        sb.t = s.t;
        sb.prev = s.prev;
        sb.noise = s.noise;
        sb.context = nn_view(last_text->output, 3, (const int64_t[]){halves * B, TOKENIZER_CONTEXT * chunks, ucfg->cross_attention_dim});
        for (int e = 0; e < fam->encoder_count; e++)
            if (fam->encoders[e].pooled) sb.text_embeds = s.tb[e].pooled;
        sb.time_ids = s.time_ids;
        status = nn_program_build_replayed(ctx, &m->weights[MODEL_UNET], m->act, build_step, &sb,
                                           (uint32_t)s.plan->steps, &s.step);
    }
    if (status == PIXEEN_OK) status = compile_logged(ctx, "step");
    /* SDXL's VAE overflows fp16 activations with the real weights (diffusers' force_upcast) */
    const tensor_dtype decode_act = fam->vae_decode_fp32 && !req->decoder ? DTYPE_F32 : m->act;
    const nn_weights *dw = req->decoder ? &req->decoder->weights : &m->weights[MODEL_VAE];
    decode_build db = {.cfg = vcfg, .taesd = req->decoder, .latents = &s.x, .tiling = &s.tiling, .finite = s.finite_buf};
    /* the VAE's tiles (or none) chosen before the steps, so decode_check plans the decode that runs */
    if (status == PIXEEN_OK && !req->skip_decode && !req->decoder)
        status = vae_tiling_prepare_decode(ctx, dw, decode_act, vcfg, &req->vae_tiling, B, h, w, &s.tiling);
    if (status == PIXEEN_OK && !req->skip_decode &&
        (!req->decoder || (req->decoder->cfg.downscale == vcfg->downscale && req->decoder->cfg.latent_channels == C)))
        status = decode_check(ctx, dw, decode_act, &db, req->width, req->height);
    t_recorded = t_first = clock_wall_seconds();
    c_recorded = c_first = clock_cpu_seconds();
    uint32_t *step_index = s.state_buf ? gpu_buffer_map(s.state_buf) : NULL;
    for (int k = 0; status == PIXEEN_OK && k < s.plan->steps; k++) {
        if (req->cancel && atomic_load(req->cancel)) {
            status = error_set(PIXEEN_ERROR_CANCELLED, "txt2img: cancelled after %d of %d steps", k, s.plan->steps);
            break;
        }
        *step_index = (uint32_t)k;
        status = gpu_recorder_submit(s.step.rec);
        if (k == 0) t_first = clock_wall_seconds(), c_first = clock_cpu_seconds();
        const int done = req->step_offset + k + 1, total = req->step_total ? req->step_total : s.plan->steps;
        if (status == PIXEEN_OK && req->progress) req->progress(done, total, clock_wall_seconds() - start, req->progress_user);
        int every = req->preview_every > 0 ? req->preview_every : 1;
        if (status == PIXEEN_OK && req->preview && (done % every == 0 || k + 1 == s.plan->steps))
            status = req->preview(&s.x, done, total, req->preview_user);
    }
    t_steps = clock_wall_seconds();
    c_steps = clock_cpu_seconds();

    if (status == PIXEEN_OK && finite[0])
        status = error_set(PIXEEN_ERROR_MODEL,
                           "txt2img: the latents hold non-finite values (NaN or infinity; %u over the %d steps): the "
                           "model's numbers overflowed or are broken%s",
                           finite[0], s.plan->steps,
                           m->act == DTYPE_F16 ? " (an fp16 overflow? try --precision fp32)" : "");

    /* 5. decode to RGBA8 (the result's buffer) */
    if (status == PIXEEN_OK && req->keep_latents) { /* a hires fix's first pass: its second starts here */
        out->latents = s.x;
        s.x.buffer = NULL;
    }
    const tensor *final_x = req->keep_latents ? &out->latents : &s.x;
    const bool decode = !req->skip_decode;
    if (status == PIXEEN_OK && decode)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)B * req->width * req->height * 4, "image", &out->rgba);
    db.latents = final_x;
    db.rgba = out->rgba;
    if (status == PIXEEN_OK && req->decoder && req->decoder->cfg.downscale != vcfg->downscale)
        status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: the TAESD decoder upscales by %d, the model's VAE by %d",
                           req->decoder->cfg.downscale, vcfg->downscale);
    if (status == PIXEEN_OK && req->decoder && req->decoder->cfg.latent_channels != C)
        status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: the TAESD decoder takes %d latent channels, the model makes %lld",
                           req->decoder->cfg.latent_channels, (long long)C);
    if (status == PIXEEN_OK && decode) status = nn_program_build(ctx, dw, decode_act, build_decode, &db, &s.decode);
    if (status == PIXEEN_OK && decode) status = compile_logged(ctx, "decode");
    if (status == PIXEEN_OK && decode) status = gpu_recorder_submit(s.decode.rec);
    if (status == PIXEEN_OK && finite[1])
        status = error_set(PIXEEN_ERROR_MODEL,
                           "txt2img: the VAE decoded %u non-finite values (NaN or infinity) from finite latents: the "
                           "VAE's numbers overflowed or are broken%s",
                           finite[1], decode_act == DTYPE_F16 ? " (an fp16 overflow? try --precision fp32)" : "");

    if (status == PIXEEN_OK && req->keep_debug && decode) {
        size_t img_n = (size_t)tensor_count(&s.decode.output);
        float *lat = malloc((size_t)n * sizeof(float));
        out->debug_latents = malloc((size_t)n * sizeof(float));
        out->debug_image = malloc(img_n * sizeof(float));
        void *raw = malloc(img_n * 4);
        if (!lat || !out->debug_latents || !out->debug_image || !raw) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
        } else {
            status = gpu_buffer_download(ctx, final_x->buffer, 0, lat, (uint64_t)n * sizeof(float));
            if (status == PIXEEN_OK) nhwc_to_nchw(lat, out->debug_latents, B, C, h * w);
            if (status == PIXEEN_OK)
                status = gpu_buffer_download(ctx, s.decode.output.buffer, s.decode.output.offset, raw,
                                             tensor_bytes(&s.decode.output));
            /* the activation dtype, or fp32 from a tiled decode */
            if (status == PIXEEN_OK && s.decode.output.dtype == DTYPE_F16) f16_to_f32_array(out->debug_image, raw, img_n);
            if (status == PIXEEN_OK && s.decode.output.dtype == DTYPE_F32) memcpy(out->debug_image, raw, img_n * 4);
        }
        free(lat);
        free(raw);
    }
    out->width = req->width;
    out->height = req->height;
    out->batch = req->batch;
    uint64_t text_bytes = 0;
    for (int e = 0; e < FAMILY_MAX_ENCODERS; e++) text_bytes += s.text[e].arena.capacity;
    out->peak_device_bytes = text_bytes + s.step.arena.capacity + s.decode.arena.capacity +
                             tensor_bytes(&s.x) * 2 + tensor_bytes(&s.noise) + tensor_bytes(&s.unet_in);
    log_info("txt2img: %dx%d, %d steps, %.2f s; activations %.1f MiB (text %.1f, step %.1f, decode %.1f)", req->width,
             req->height, s.plan ? s.plan->steps : 0, clock_wall_seconds() - start, (double)out->peak_device_bytes / (1 << 20),
             (double)text_bytes / (1 << 20), (double)s.step.arena.capacity / (1 << 20),
             (double)s.decode.arena.capacity / (1 << 20));
    int later = s.plan && s.plan->steps > 1 ? s.plan->steps - 1 : 0;
    log_info("txt2img: text %.2f s, step recorded %.2f s, first step %.2f s (%.2f CPU-s), %d more at %.2f s each (%.2f "
             "CPU-s), decode %.2f s; device memory peak so far %.1f MiB (weights, arenas and buffers)",
             t_text - start, t_recorded - t_text, t_first - t_recorded, c_first - c_recorded, later,
             later ? (t_steps - t_first) / later : 0.0, later ? (c_steps - c_first) / later : 0.0, clock_wall_seconds() - t_steps,
             (double)gpu_memory_peak(ctx) / (1 << 20));
    run_state_free(&s);
    if (status != PIXEEN_OK) txt2img_result_free(out);
    return status;
}

void txt2img_result_free(txt2img_result *r) {
    gpu_buffer_destroy_wiped(r->rgba);
    gpu_buffer_destroy_wiped(r->latents.buffer);
    free(r->debug_latents);
    free(r->debug_image);
    memset(r, 0, sizeof *r);
}
