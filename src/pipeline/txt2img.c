/* txt2img.c — see txt2img.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/f16.h"
#include "core/log.h"
#include "models/clip.h"
#include "models/unet.h"
#include "models/vae.h"
#include "ops/finite.h"
#include "ops/pipeline_ops.h"
#include "pipeline/extras.h"
#include "pipeline/txt2img.h"
#include "text/prompt_weights.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A tensor in a buffer of its own. */
static pixeen_status tensor_create(gpu_context *ctx, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                                   const char *label, tensor *t) {
    memset(t, 0, sizeof *t);
    t->dtype = dtype;
    t->rank = rank;
    for (uint32_t i = 0; i < rank; i++) t->shape[i] = shape[i];
    return gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(t), label, &t->buffer);
}

/* [B, C, h, w] -> [B, h, w, C] on the host (the initial noise only). */
static void nchw_to_nhwc(const float *in, float *out, int64_t B, int64_t C, int64_t HW) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) out[(b * HW + i) * C + c] = in[(b * C + c) * HW + i];
}

static void nhwc_to_nchw(const float *in, float *out, int64_t B, int64_t C, int64_t HW) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) out[(b * C + c) * HW + i] = in[(b * HW + i) * C + c];
}

/* ---- text ---------------------------------------------------------------------------------- */

typedef struct text_build {
    const clip_config *cfg;
    tensor ids;     /* int32 [rows, 77] */
    tensor weights; /* fp32 [rows, 77], or rank 0 when every weight is 1 */
    int clip_skip;
} text_build;

static tensor build_text(nn_graph *g, void *user) {
    text_build *t = user;
    tensor z = clip_text_forward(g, t->cfg, &t->ids, t->clip_skip, true);
    if (g->rec && g->status == PIXEEN_OK && t->weights.rank) op_token_weights_record(g->rec, &z, &t->weights);
    return z;
}

/* Token ids for [uncond x B; cond x B] (or cond x B without guidance), each prompt cut into the
 * same number of 77-token chunks (the shorter padded with empty chunks, as AUTOMATIC1111 does).
 * Returns rows = prompts * chunks in *rows and chunks in *chunks; the caller frees *ids. */
static pixeen_status encode_prompts(const sd_model *m, const txt2img_request *req, prompt_embedding_set *emb, bool cfg,
                                    int32_t **ids, float **weights, int32_t **side, int64_t *rows, int64_t *chunks) {
    prompt_chunks pos = {0}, neg = {0}, empty = {0};
    const char *negative = req->negative_prompt ? req->negative_prompt : "";
    if (emb && !emb->count) emb = NULL;
    pixeen_status status = prompt_encode_embeddings(m->tok, req->prompt, strlen(req->prompt), emb, &pos);
    if (status == PIXEEN_OK && cfg) status = prompt_encode_embeddings(m->tok, negative, strlen(negative), emb, &neg);
    if (status == PIXEEN_OK) status = prompt_encode(m->tok, "", 0, &empty);
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
    PX_TRY(tensor_create(ctx, DTYPE_F16, 2, shape, "embedding vectors", table));
    uint16_t *half = malloc((size_t)(shape[0] * shape[1]) * sizeof *half);
    if (!half) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
    f32_to_f16_array(half, ex->side[which], (size_t)(shape[0] * shape[1]));
    pixeen_status st = gpu_buffer_upload(ctx, table->buffer, 0, half, tensor_bytes(table));
    free(half);
    if (st == PIXEEN_OK) st = tensor_create(ctx, DTYPE_I32, 2, token_shape, "embedding positions", index);
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
    uint32_t noise_steps;
    gpu_buffer *finite; /* [0]: non-finite latents, summed over the steps */
} step_build;

static tensor build_step(nn_graph *g, void *user) {
    step_build *s = user;
    if (g->rec) op_sampler_input_record(g->rec, &s->sampler, s->halves, &s->unet_in, &s->t);
    tensor eps = unet_forward(g, s->cfg, &s->unet_in, &s->t, &s->context);
    if (g->rec && g->status == PIXEEN_OK)
        op_sampler_update_record(g->rec, &s->sampler, s->halves, s->guidance, &eps, &s->prev, &s->noise, s->noise_steps);
    if (g->rec && g->status == PIXEEN_OK) op_finite_count_record(g->rec, s->sampler.x, s->finite, 0);
    nn_release(g, &eps);
    return *s->sampler.x;
}

/* ---- decoding ------------------------------------------------------------------------------- */

typedef struct decode_build {
    const vae_config *cfg;
    const tensor *latents; /* fp32 NHWC */
    gpu_buffer *rgba;
    gpu_buffer *finite; /* [1]: non-finite values of the decoded image */
} decode_build;

static tensor build_decode(nn_graph *g, void *user) {
    decode_build *d = user;
    tensor z = nn_alloc(g, 4, d->latents->shape);
    if (g->rec) op_latent_scale_record(g->rec, d->latents, 1.0f / d->cfg->scaling_factor, &z);
    tensor img = vae_decode_forward(g, d->cfg, &z);
    nn_release(g, &z);
    if (g->rec && g->status == PIXEEN_OK) op_finite_count_record(g->rec, &img, d->finite, 1);
    if (g->rec && g->status == PIXEEN_OK) op_image_rgba8_record(g->rec, &img, d->rgba, 0);
    return img; /* stays allocated: the arena's last tensor, read back only in debug runs */
}

/* ---- the run -------------------------------------------------------------------------------- */

typedef struct run_state {
    int32_t *ids, *side;
    tensor side_t, side_index_t; /* textual inversion: the side table and each position's row */
    float *weights;
    float *host_noise;
    sampler_plan *plan;
    tensor ids_t, weights_t, x, prev, noise, unet_in, t;
    gpu_buffer *plan_buf, *state_buf, *finite_buf;
    nn_program text, step, decode;
    schedule_table table;
    bool table_made;
} run_state;

static void run_state_free(run_state *s) {
    free(s->ids);
    free(s->side);
    free(s->weights);
    gpu_buffer_destroy_wiped(s->side_t.buffer);
    gpu_buffer_destroy_wiped(s->side_index_t.buffer);
    free(s->host_noise);
    sampler_plan_destroy(s->plan);
    gpu_buffer_destroy_wiped(s->ids_t.buffer);
    gpu_buffer_destroy_wiped(s->weights_t.buffer);
    gpu_buffer_destroy_wiped(s->x.buffer);
    gpu_buffer_destroy_wiped(s->prev.buffer);
    gpu_buffer_destroy_wiped(s->noise.buffer);
    gpu_buffer_destroy_wiped(s->unet_in.buffer);
    gpu_buffer_destroy(s->t.buffer);
    gpu_buffer_destroy(s->plan_buf);
    gpu_buffer_destroy(s->state_buf);
    gpu_buffer_destroy(s->finite_buf);
    nn_program_free(&s->text);
    nn_program_free(&s->step);
    nn_program_free(&s->decode);
    if (s->table_made) schedule_table_destroy(&s->table);
}

static pixeen_status check_request(const sd_model *m, const txt2img_request *r) {
    const vae_config *vae = model_vae_config(m->files);
    const clip_config *clip = model_clip_config(m->files, MODEL_TEXT_ENCODER);
    if (!r->prompt) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: the prompt is NULL");
    if (r->width <= 0 || r->height <= 0 || r->width % vae->downscale || r->height % vae->downscale)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: size %dx%d: width and height must be positive multiples of %d",
                         r->width, r->height, vae->downscale);
    if (r->width > 4096 || r->height > 4096)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: size %dx%d is above the 4096x4096 limit", r->width, r->height);
    if (r->batch < 1 || r->batch > 64) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: batch %d (expected 1..64)", r->batch);
    if (!(r->guidance >= 0.0f && r->guidance <= 100.0f))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: guidance %g (expected 0..100)", (double)r->guidance);
    if (r->clip_skip < 1 || r->clip_skip > clip->num_layers)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "txt2img: clip skip %d (expected 1..%d)", r->clip_skip, clip->num_layers);
    return PIXEEN_OK;
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
    if (status == PIXEEN_OK && req->init_noise) memcpy(nchw, req->init_noise, n * sizeof(float));
    else if (status == PIXEEN_OK) status = rng_randn(&r, nchw, n);
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
    const clip_config *ccfg = model_clip_config(m->files, MODEL_TEXT_ENCODER);
    const bool cfg = req->guidance != 1.0f;
    const uint32_t halves = cfg ? 2 : 1;
    const int64_t B = req->batch, C = ucfg->in_channels, h = req->height / vcfg->downscale, w = req->width / vcfg->downscale;
    const int64_t n = B * C * h * w;
    double start = now_seconds();
    run_state s = {0};
    pixeen_status status = PIXEEN_OK;

    /* 0. <lora:...> tags out of the prompts; LoRAs merged (or the originals back) */
    extras ex;
    PX_TRY(extras_prepare(m, req, &ex));
    txt2img_request plain = *req;
    plain.prompt = ex.pos.text;
    plain.negative_prompt = ex.neg.text;

    /* 1-2. prompts -> embeddings [halves*B, 77*k, D], on the GPU */
    int64_t rows = 0, chunks = 0;
    status = encode_prompts(m, &plain, &ex.emb, cfg, &s.ids, &s.weights, &s.side, &rows, &chunks);
    const int64_t token_shape[2] = {rows, TOKENIZER_CONTEXT};
    if (status == PIXEEN_OK) status = tensor_create(ctx, DTYPE_I32, 2, token_shape, "token ids", &s.ids_t);
    if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s.ids_t.buffer, 0, s.ids, tensor_bytes(&s.ids_t));
    bool weighted = false; /* emphasis costs a pass only when the prompt uses it */
    for (int64_t i = 0; status == PIXEEN_OK && i < rows * TOKENIZER_CONTEXT; i++) weighted |= s.weights[i] != 1.0f;
    if (status == PIXEEN_OK && weighted) status = tensor_create(ctx, DTYPE_F32, 2, token_shape, "token weights", &s.weights_t);
    if (status == PIXEEN_OK && weighted) status = gpu_buffer_upload(ctx, s.weights_t.buffer, 0, s.weights, tensor_bytes(&s.weights_t));
    text_build tb = {.cfg = ccfg, .ids = s.ids_t, .weights = s.weights_t, .clip_skip = req->clip_skip};
    if (status == PIXEEN_OK && s.side) status = upload_side(ctx, &ex, 0, token_shape, s.side, &s.side_t, &s.side_index_t);
    if (status == PIXEEN_OK && s.side) {
        m->weights[MODEL_TEXT_ENCODER].token_side = &s.side_t;
        m->weights[MODEL_TEXT_ENCODER].token_side_index = &s.side_index_t;
    }
    if (status == PIXEEN_OK) status = nn_program_build(ctx, &m->weights[MODEL_TEXT_ENCODER], m->act, build_text, &tb, &s.text);
    m->weights[MODEL_TEXT_ENCODER].token_side = NULL;
    m->weights[MODEL_TEXT_ENCODER].token_side_index = NULL;
    extras_free(&ex);
    if (status == PIXEEN_OK) status = gpu_recorder_submit(s.text.rec);

    /* 3. the sampler plan and the noise */
    if (status == PIXEEN_OK) status = schedule_table_create(&m->schedule, &s.table);
    s.table_made = status == PIXEEN_OK;
    if (status == PIXEEN_OK) status = sampler_plan_create(&m->schedule, &s.table, &req->sampler, &s.plan);
    uint32_t noise_steps = 0;
    if (status == PIXEEN_OK) status = draw_noise(req, &s, B, C, h * w, &noise_steps);
    const int64_t lat_shape[4] = {B, h, w, C};
    if (status == PIXEEN_OK) status = tensor_create(ctx, DTYPE_F32, 4, lat_shape, "latents", &s.x);
    if (status == PIXEEN_OK) status = gpu_buffer_upload(ctx, s.x.buffer, 0, s.host_noise, tensor_bytes(&s.x));
    if (status == PIXEEN_OK) status = tensor_create(ctx, DTYPE_F32, 4, lat_shape, "prev denoised", &s.prev);
    if (status == PIXEEN_OK) {
        int64_t noise_rows = noise_steps ? noise_steps : 1;
        status = tensor_create(ctx, DTYPE_F32, 2, (const int64_t[]){noise_rows, n}, "step noise", &s.noise);
        if (status == PIXEEN_OK && noise_steps)
            status = gpu_buffer_upload(ctx, s.noise.buffer, 0, s.host_noise + n, (uint64_t)noise_steps * n * sizeof(float));
    }
    if (status == PIXEEN_OK)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof(sampler_step) * (size_t)s.plan->steps, "plan", &s.plan_buf);
    if (status == PIXEEN_OK)
        status = gpu_buffer_upload(ctx, s.plan_buf, 0, s.plan->step, sizeof(sampler_step) * (size_t)s.plan->steps);
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_HOST, 4, "step index", &s.state_buf);
    /* Counts of non-finite latents and image values, read once after the steps and once after the
     * decode: NaN weights or an fp16 overflow would otherwise give a silent black image. */
    if (status == PIXEEN_OK) status = gpu_buffer_create(ctx, GPU_MEMORY_HOST, 8, "finite flags", &s.finite_buf);
    uint32_t *finite = s.finite_buf ? gpu_buffer_map(s.finite_buf) : NULL;
    if (finite) finite[0] = finite[1] = 0;

    /* 4. the step, recorded once */
    if (status == PIXEEN_OK)
        status = tensor_create(ctx, m->act, 4, (const int64_t[]){halves * B, h, w, C}, "unet input", &s.unet_in);
    if (status == PIXEEN_OK) status = tensor_create(ctx, DTYPE_F32, 1, (const int64_t[]){halves * B}, "timesteps", &s.t);
    step_build sb = {.cfg = ucfg, .halves = halves, .guidance = req->guidance, .noise_steps = noise_steps,
                     .finite = s.finite_buf};
    if (status == PIXEEN_OK) {
        sb.sampler = (op_sampler_bindings){s.plan_buf, s.state_buf, &s.x};
        sb.unet_in = s.unet_in;
        sb.t = s.t;
        sb.prev = s.prev;
        sb.noise = s.noise;
        sb.context = nn_view(s.text.output, 3, (const int64_t[]){halves * B, TOKENIZER_CONTEXT * chunks, ccfg->hidden_size});
        status = nn_program_build(ctx, &m->weights[MODEL_UNET], m->act, build_step, &sb, &s.step);
    }
    uint32_t *step_index = s.state_buf ? gpu_buffer_map(s.state_buf) : NULL;
    for (int k = 0; status == PIXEEN_OK && k < s.plan->steps; k++) {
        if (req->cancel && atomic_load(req->cancel)) {
            status = error_set(PIXEEN_ERROR_CANCELLED, "txt2img: cancelled after %d of %d steps", k, s.plan->steps);
            break;
        }
        *step_index = (uint32_t)k;
        status = gpu_recorder_submit(s.step.rec);
        if (status == PIXEEN_OK && req->progress) req->progress(k + 1, s.plan->steps, now_seconds() - start, req->progress_user);
        int every = req->preview_every > 0 ? req->preview_every : 1;
        if (status == PIXEEN_OK && req->preview && ((k + 1) % every == 0 || k + 1 == s.plan->steps))
            status = req->preview(&s.x, k + 1, s.plan->steps, req->preview_user);
    }

    if (status == PIXEEN_OK && finite[0])
        status = error_set(PIXEEN_ERROR_MODEL,
                           "txt2img: the latents hold non-finite values (NaN or infinity; %u over the %d steps): the "
                           "model's numbers overflowed or are broken%s",
                           finite[0], s.plan->steps,
                           m->act == DTYPE_F16 ? " (an fp16 overflow? try --precision fp32)" : "");

    /* 5. decode to RGBA8 (the result's buffer) */
    if (status == PIXEEN_OK)
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)B * req->width * req->height * 4, "image", &out->rgba);
    decode_build db = {.cfg = vcfg, .latents = &s.x, .rgba = out->rgba, .finite = s.finite_buf};
    if (status == PIXEEN_OK) status = nn_program_build(ctx, &m->weights[MODEL_VAE], m->act, build_decode, &db, &s.decode);
    if (status == PIXEEN_OK) status = gpu_recorder_submit(s.decode.rec);
    if (status == PIXEEN_OK && finite[1])
        status = error_set(PIXEEN_ERROR_MODEL,
                           "txt2img: the VAE decoded %u non-finite values (NaN or infinity) from finite latents: the "
                           "VAE's numbers overflowed or are broken%s",
                           finite[1], m->act == DTYPE_F16 ? " (an fp16 overflow, as in SDXL's original VAE? try --precision fp32)" : "");

    if (status == PIXEEN_OK && req->keep_debug) {
        size_t img_n = (size_t)tensor_count(&s.decode.output);
        float *lat = malloc((size_t)n * sizeof(float));
        out->debug_latents = malloc((size_t)n * sizeof(float));
        out->debug_image = malloc(img_n * sizeof(float));
        void *raw = malloc(img_n * 4);
        if (!lat || !out->debug_latents || !out->debug_image || !raw) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "txt2img: out of host memory");
        } else {
            status = gpu_buffer_download(ctx, s.x.buffer, 0, lat, (uint64_t)n * sizeof(float));
            if (status == PIXEEN_OK) nhwc_to_nchw(lat, out->debug_latents, B, C, h * w);
            if (status == PIXEEN_OK)
                status = gpu_buffer_download(ctx, s.decode.output.buffer, s.decode.output.offset, raw,
                                             tensor_bytes(&s.decode.output));
            if (status == PIXEEN_OK && m->act == DTYPE_F16) f16_to_f32_array(out->debug_image, raw, img_n);
            if (status == PIXEEN_OK && m->act == DTYPE_F32) memcpy(out->debug_image, raw, img_n * 4);
        }
        free(lat);
        free(raw);
    }
    out->width = req->width;
    out->height = req->height;
    out->batch = req->batch;
    out->peak_device_bytes = s.text.arena.capacity + s.step.arena.capacity + s.decode.arena.capacity +
                             tensor_bytes(&s.x) * 2 + tensor_bytes(&s.noise) + tensor_bytes(&s.unet_in);
    log_info("txt2img: %dx%d, %d steps, %.2f s; activations %.1f MiB (text %.1f, step %.1f, decode %.1f)", req->width,
             req->height, s.plan ? s.plan->steps : 0, now_seconds() - start, (double)out->peak_device_bytes / (1 << 20),
             (double)s.text.arena.capacity / (1 << 20), (double)s.step.arena.capacity / (1 << 20),
             (double)s.decode.arena.capacity / (1 << 20));
    run_state_free(&s);
    if (status != PIXEEN_OK) txt2img_result_free(out);
    return status;
}

void txt2img_result_free(txt2img_result *r) {
    gpu_buffer_destroy_wiped(r->rgba);
    free(r->debug_latents);
    free(r->debug_image);
    memset(r, 0, sizeof *r);
}
