/* generate.c — pixeen_model_* , pixeen_generate and pixeen_image_*: the public face of
 * src/pipeline. Defaults are resolved here, in one place (resolve_request), and every argument is
 * checked before any GPU work. Previews (pixeen_generate_desc.preview) are made here too, from the
 * pipeline's per-step hook: the latent_preview kernel writes a small RGB8 picture into a
 * host-visible buffer, the only extra readback. pixeen_image_get_vulkan_buffer hands an
 * application that shared its device the VkBuffer of the result.
 * Left out: previews of images other than the first of a batch. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"

#include "api/internal.h"
#include "models/taesd.h"
#include "ops/image_rgba8.h"
#include "ops/latent_preview.h"
#include "ops/latent_scale.h"
#include "pipeline/hires.h"
#include "pipeline/picture_gpu.h"
#include "pipeline/run_tensor.h"

PIXEEN_API pixeen_status pixeen_model_load(pixeen_context *ctx, const pixeen_model_desc *desc, pixeen_model **out) {
    error_clear();
    if (!ctx || !desc || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: context, descriptor or output is NULL");
    *out = NULL;
    if (!desc->path || !desc->path[0])
        return api_finish(ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: no path given"));
    pixeen_status status = api_check_reserved(desc->reserved, sizeof desc->reserved / sizeof desc->reserved[0], "model");
    if (status != PIXEEN_OK) return api_finish(ctx, status);
    const gpu_caps *caps = gpu_context_caps(ctx->gpu);
    tensor_dtype act = DTYPE_F16;
    if (desc->precision == PIXEEN_PRECISION_FP32 || !caps->fp16 || !caps->storage16) act = DTYPE_F32;
    if (desc->precision > PIXEEN_PRECISION_FP32)
        return api_finish(ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: unknown precision %d", (int)desc->precision));
    pixeen_model *m = calloc(1, sizeof *m);
    if (!m) return api_finish(ctx, error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "model: out of host memory"));
    m->ctx = ctx;
    if ((unsigned)desc->prediction > PIXEEN_PREDICTION_V || (unsigned)desc->spacing > PIXEEN_SPACING_TRAILING) {
        free(m);
        return api_finish(ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: unknown prediction %d or spacing %d",
                                         (int)desc->prediction, (int)desc->spacing));
    }
    static const schedule_spacing spacings[] = {SCHEDULE_SPACING_DEFAULT, SCHEDULE_SPACING_LINSPACE,
                                                SCHEDULE_SPACING_LEADING, SCHEDULE_SPACING_TRAILING};
    sd_model_options options = {
        .path = desc->path,
        .tokenizer_dirs = {desc->tokenizer_dir, desc->tokenizer_2_dir},
        .act = act,
        .prediction = desc->prediction == PIXEEN_PREDICTION_EPSILON ? 1 + SCHEDULE_PREDICT_EPSILON
                      : desc->prediction == PIXEEN_PREDICTION_V     ? 1 + SCHEDULE_PREDICT_V
                                                                    : 0,
        .spacing = spacings[desc->spacing],
    };
    m->act = act;
    if (taesd_is_folder(desc->path)) /* a TAESD alone: for pixeen_probe (and as a decoder) */
        status = taesd_load(ctx->gpu, desc->path, &m->taesd);
    else
        status = sd_model_load_with(ctx->gpu, &options, &m->sd);
    if (status != PIXEEN_OK) {
        free(m);
        return api_finish(ctx, status);
    }
    *out = m;
    return api_finish(ctx, PIXEEN_OK);
}

PIXEEN_API void pixeen_model_destroy(pixeen_model *pm) {
    if (!pm) return;
    sd_model_free(pm->sd);
    taesd_free(pm->taesd);
    free(pm);
}

PIXEEN_API pixeen_status pixeen_model_get_info(const pixeen_model *pm, pixeen_model_info *out) {
    if (!pm || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "model: model or output is NULL");
    if (!pm->sd) {
        *out = (pixeen_model_info){.family = "taesd", .size_multiple = pm->taesd->cfg.downscale,
                                   .weight_bytes = pm->taesd->weights.bytes};
        return PIXEEN_OK;
    }
    const unet_config *u = model_unet_config(pm->sd->files);
    const vae_config *v = model_vae_config(pm->sd->files);
    *out = (pixeen_model_info){
        .family = pm->sd->family->name,
        .default_width = u->sample_size * v->downscale,
        .default_height = u->sample_size * v->downscale,
        .size_multiple = v->downscale,
        .weight_bytes = pm->sd->weight_bytes,
    };
    return PIXEEN_OK;
}

/* Defaults and checks (see pixeen_generate_desc). */
static pixeen_status resolve_request(const pixeen_model *pm, const pixeen_generate_desc *d, txt2img_request *r,
                                     int64_t *seed_used) {
    PX_TRY(api_check_reserved(d->reserved, sizeof d->reserved / sizeof d->reserved[0], "generate"));
    pixeen_model_info info;
    pixeen_model_get_info(pm, &info);
    if (!d->prompt) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the prompt is NULL (use \"\" for none)");
    memset(r, 0, sizeof *r);
    r->prompt = d->prompt;
    r->negative_prompt = d->negative_prompt; /* NULL: "" (SDXL: zeros, see txt2img.h) */
    r->width = d->width ? d->width : info.default_width;
    r->height = d->height ? d->height : info.default_height;
    if (r->width < 0 || r->height < 0 || r->width % info.size_multiple || r->height % info.size_multiple)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: size %dx%d: width and height must be multiples of %d",
                         r->width, r->height, info.size_multiple);
    if (r->width > 4096 || r->height > 4096)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: size %dx%d is above the 4096x4096 limit", r->width,
                         r->height);
    int steps = d->steps ? d->steps : 20;
    if (steps < 1 || steps > 1000)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: %d steps (expected 1..1000)", d->steps);
    r->guidance = d->guidance == 0.0f ? 7.5f : d->guidance;
    if (!isfinite(r->guidance) || r->guidance < 0.0f || r->guidance > 100.0f)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: guidance %g (expected a number in 0..100)", (double)d->guidance);
    r->batch = d->batch ? d->batch : 1;
    if (r->batch < 1 || r->batch > 64) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: batch %d (expected 1..64)", d->batch);
    r->clip_skip = d->clip_skip ? d->clip_skip : 1;
    static const sampler_kind samplers[] = {SAMPLER_EULER_A, SAMPLER_EULER_A, SAMPLER_EULER, SAMPLER_DDIM, SAMPLER_DPMPP_2M,
                                            SAMPLER_LCM};
    if ((unsigned)d->sampler >= sizeof samplers / sizeof samplers[0])
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: unknown sampler %d", (int)d->sampler);
    r->sampler.kind = samplers[d->sampler];
    r->sampler.steps = steps;
    if ((unsigned)d->schedule > PIXEEN_SCHEDULE_KARRAS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: unknown schedule %d", (int)d->schedule);
    r->sampler.karras = d->schedule == PIXEEN_SCHEDULE_KARRAS     ? SAMPLER_KARRAS_ON
                        : d->schedule == PIXEEN_SCHEDULE_DISCRETE ? SAMPLER_KARRAS_OFF
                                                                  : SAMPLER_KARRAS_DEFAULT;
    if ((unsigned)d->rng > PIXEEN_RNG_PHILOX) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: unknown rng %d", (int)d->rng);
    r->rng = d->rng == PIXEEN_RNG_PHILOX ? RNG_PHILOX : RNG_TORCH_CPU;
    /* Seeds are torch's: unsigned 64-bit. -1 is "random" unless seed_unsigned says it is 2^64-1. */
    if (d->seed_unsigned > 1)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: seed_unsigned %u (expected 0 or 1)", d->seed_unsigned);
    int64_t seed = d->seed;
    if (seed == -1 && !d->seed_unsigned) {
        uint32_t random_seed = 0;
        if (platform_random_bytes(&random_seed, sizeof random_seed) != 0)
            return error_set(PIXEEN_ERROR_IO, "generate: the system could not provide a random seed");
        seed = random_seed;
    }
    r->seed = (uint64_t)seed;
    *seed_used = seed;
    r->progress = d->progress;
    r->progress_user = d->progress_user;
    const pixeen_size_conditioning *sc = d->size_conditioning;
    if (sc) {
        PX_TRY(api_check_reserved(sc->reserved, sizeof sc->reserved / sizeof sc->reserved[0], "size conditioning"));
        const int sizes[6] = {sc->original_width, sc->original_height, sc->crop_x, sc->crop_y, sc->target_width, sc->target_height};
        for (int i = 0; i < 6; i++)
            if (sizes[i] < 0 || sizes[i] > 16384)
                return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: size conditioning %d (expected 0..16384 pixels)",
                                 sizes[i]);
        r->original_width = sc->original_width;
        r->original_height = sc->original_height;
        r->crop_x = sc->crop_x;
        r->crop_y = sc->crop_y;
        r->target_width = sc->target_width;
        r->target_height = sc->target_height;
    }
    if (d->preview_every < 0 || d->preview_every > 1000)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: preview every %d steps (expected 0..1000)", d->preview_every);
    if (d->lora_count < 0 || d->lora_count > 64 || (d->lora_count && !d->loras))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: %d LoRAs at %p (expected 0..64 entries)", d->lora_count,
                         (const void *)d->loras);
    for (int i = 0; i < d->lora_count; i++) {
        const pixeen_lora *l = &d->loras[i];
        PX_TRY(api_check_reserved(l->reserved, sizeof l->reserved / sizeof l->reserved[0], "generate: LoRA"));
        if (!l->path || !l->path[0]) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: LoRA %d has no path", i);
        if (!isfinite(l->weight) || fabsf(l->weight) > 1000.0f)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: LoRA %d weight %g (expected a number in -1000..1000)",
                             i, (double)l->weight);
    }
    r->lora_dir = d->lora_dir;
    r->embedding_dir = d->embedding_dir;
    return PIXEEN_OK;
}

/* The request's LoRA list in the pipeline's form (one weight for text encoder and UNet). */
static pixeen_status lora_list(const pixeen_generate_desc *d, txt2img_request *r, lora_request **out) {
    *out = NULL;
    if (!d->lora_count) return PIXEEN_OK;
    *out = calloc((size_t)d->lora_count, sizeof **out);
    if (!*out) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "generate: out of host memory");
    for (int i = 0; i < d->lora_count; i++) (*out)[i] = (lora_request){d->loras[i].path, d->loras[i].weight, d->loras[i].weight};
    r->loras = *out;
    r->lora_count = (size_t)d->lora_count;
    return PIXEEN_OK;
}

/* img2img / inpainting inputs: the pictures at the generation's size as the floats diffusers
 * feeds its pipelines, in locked memory (they are the user's picture). */
typedef struct edit_inputs {
    vault_secret *image, *mask;
    tensor pixels; /* an init image from a VkBuffer, converted on the GPU: fp32 [1, H, W, 3] */
    edit_request req;
} edit_inputs;

/* Floats inside a secret: sodium_malloc places a block against its guard page, so the data is
 * not float-aligned in general; the secret gets 4 spare bytes and the floats start aligned. */
static float *secret_floats(vault_secret *s) { return (float *)(void *)(((uintptr_t)s->data + 3) & ~(uintptr_t)3); }

static void edit_inputs_free(edit_inputs *e) {
    vault_secret_destroy(e->image);
    vault_secret_destroy(e->mask);
    gpu_buffer_destroy_wiped(e->pixels.buffer);
    memset(e, 0, sizeof *e);
}

/* decoder / preview_decoder: TAESD models on the same context. */
static pixeen_status resolve_decoders(const pixeen_model *pm, const pixeen_generate_desc *d, txt2img_request *r) {
    if (!d->decoders) return PIXEEN_OK;
    PX_TRY(api_check_reserved(d->decoders->reserved, sizeof d->decoders->reserved / sizeof d->decoders->reserved[0], "decoders"));
    const pixeen_model *m[2] = {d->decoders->decoder, d->decoders->preview_decoder};
    for (int i = 0; i < 2; i++) {
        if (!m[i]) continue;
        if (!m[i]->taesd)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the %s must be a TAESD (a model loaded from a TAESD folder)",
                             i ? "preview decoder" : "decoder");
        if (m[i]->ctx != pm->ctx)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the %s was loaded on another context",
                             i ? "preview decoder" : "decoder");
    }
    r->decoder = d->decoders->decoder ? d->decoders->decoder->taesd : NULL;
    return PIXEEN_OK;
}

/* Sizes (the picture's rounded down to the model's multiple unless the caller gave one; any
 * other size resizes with Lanczos, as diffusers' VaeImageProcessor does with PIL), strength. */
static pixeen_status resolve_edit(const pixeen_model *pm, const pixeen_generate_desc *gd, txt2img_request *r, edit_inputs *e) {
    const pixeen_edit_desc *d = gd->edit;
    if (!d) return PIXEEN_OK;
    PX_TRY(api_check_reserved(d->reserved, sizeof d->reserved / sizeof d->reserved[0], "edit"));
    if (!d->init_image) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: edit.init_image is NULL (required)");
    pixeen_model_info info;
    pixeen_model_get_info(pm, &info);
    const picture *in = &d->init_image->pic, *mk = d->mask ? &d->mask->pic : NULL;
    float strength = d->strength == 0.0f ? 0.75f : d->strength;
    if (!isfinite(strength) || strength <= 0.0f || strength > 1.0f)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: strength %g (expected 0 < strength <= 1)", (double)d->strength);
    if (mk && (mk->width != in->width || mk->height != in->height))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the mask is %dx%d but the init image %dx%d (they must match)",
                         mk->width, mk->height, in->width, in->height);
    if (!gd->width) r->width = in->width - in->width % info.size_multiple;
    if (!gd->height) r->height = in->height - in->height % info.size_multiple;
    if (r->width <= 0 || r->height <= 0)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the init image is %dx%d, smaller than the model's %d-pixel multiple",
                         in->width, in->height, info.size_multiple);
    if (r->width > 4096 || r->height > 4096)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "generate: the init image is %dx%d: above the 4096x4096 limit (give a smaller -W/-H to resize it)",
                         in->width, in->height);
    const pixeen_picture *gin = d->init_image->gpu ? d->init_image : NULL, *gmk = d->mask && d->mask->gpu ? d->mask : NULL;
    if ((gin && gin->ctx != pm->ctx) || (gmk && gmk->ctx != pm->ctx))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the %s's VkBuffer is on another context's device",
                         gin && gin->ctx != pm->ctx ? "init image" : "mask");
    size_t pixels = (size_t)r->width * r->height;
    picture rin = {0}, rmk = {0};
    pixeen_status s = PIXEEN_OK;
    if (!gin) s = picture_resize_lanczos(in, r->width, r->height, &rin);
    if (s == PIXEEN_OK && mk && !gmk) s = picture_resize_lanczos(mk, r->width, r->height, &rmk);
    if (s == PIXEEN_OK && !gin) s = vault_secret_create(pixels * 3 * sizeof(float) + 4, &e->image);
    if (s == PIXEEN_OK && mk) s = vault_secret_create(pixels * sizeof(float) + 4, &e->mask);
    gpu_context *gpu = pm->ctx->gpu;
    if (s == PIXEEN_OK && gin) { /* resized and converted where it is: the pixels stay on the GPU */
        op_picture src = {.buffer = gin->gpu, .offset = gin->offset, .width = (uint32_t)in->width,
                          .height = (uint32_t)in->height, .images = 1, .stride = gin->stride};
        s = run_tensor_create(gpu, DTYPE_F32, 4, (const int64_t[]){1, r->height, r->width, 3}, "init image", &e->pixels);
        if (s == PIXEEN_OK) s = picture_gpu_convert(gpu, &src, r->width, r->height, 0, 0, false, &e->pixels);
    }
    if (s == PIXEEN_OK && gmk) { /* the binary mask, read back into locked memory (see pixeen_picture_desc) */
        op_picture src = {.buffer = gmk->gpu, .offset = gmk->offset, .width = (uint32_t)mk->width,
                          .height = (uint32_t)mk->height, .images = 1, .stride = gmk->stride};
        tensor m = {0};
        s = run_tensor_create(gpu, DTYPE_F32, 3, (const int64_t[]){1, r->height, r->width}, "mask", &m);
        if (s == PIXEEN_OK) s = picture_gpu_convert(gpu, &src, r->width, r->height, 0, 0, true, &m);
        if (s == PIXEEN_OK) s = gpu_buffer_download(gpu, m.buffer, 0, secret_floats(e->mask), pixels * sizeof(float));
        gpu_buffer_destroy_wiped(m.buffer);
    }
    if (s == PIXEEN_OK) {
        if (!gin) picture_to_unit_range(&rin, secret_floats(e->image));
        if (mk && !gmk) picture_mask_binary(&rmk, secret_floats(e->mask));
        e->req = (edit_request){.image = gin ? NULL : secret_floats(e->image), .pixels = gin ? &e->pixels : NULL,
                                .mask = mk ? secret_floats(e->mask) : NULL, .strength = strength};
        r->edit = &e->req;
    }
    picture_free(&rin);
    picture_free(&rmk);
    return s;
}

/* pixeen_generate_more: the hires fix (defaults as AUTOMATIC1111's: scale 2, strength 0.7, the
 * request's steps, the "Latent" upscaler). Its sizes are checked here, before any GPU work. */
static pixeen_status resolve_more(const pixeen_model *pm, const pixeen_generate_desc *d, const txt2img_request *r,
                                  hires_request *h, bool *on) {
    *on = false;
    if (!d->more) return PIXEEN_OK;
    PX_TRY(api_check_reserved(d->more->reserved, sizeof d->more->reserved / sizeof d->more->reserved[0], "generate_more"));
    const pixeen_hires_desc *hd = d->more->hires;
    if (!hd) return PIXEEN_OK;
    PX_TRY(api_check_reserved(hd->reserved, sizeof hd->reserved / sizeof hd->reserved[0], "hires"));
    if (d->edit)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: the hires fix follows text to image; it does not go with edit");
    if ((unsigned)hd->upscaler > PIXEEN_HIRES_UPSCALER_LANCZOS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: unknown hires upscaler %d", (int)hd->upscaler);
    float scale = hd->scale == 0.0f ? 2.0f : hd->scale;
    if (!isfinite(scale) || scale <= 0.0f || scale > 16.0f)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: hires scale %g (expected 0 < scale <= 16)", (double)hd->scale);
    if (hd->width < 0 || hd->height < 0 || hd->width > 4096 || hd->height > 4096)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: hires size %dx%d (expected 0..4096 each)", hd->width, hd->height);
    int steps = hd->steps ? hd->steps : r->sampler.steps;
    if (steps < 1 || steps > 1000)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: %d hires steps (expected 1..1000)", hd->steps);
    float strength = hd->strength == 0.0f ? 0.7f : hd->strength;
    if (!isfinite(strength) || strength <= 0.0f || strength > 1.0f)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: hires strength %g (expected 0 < strength <= 1)",
                         (double)hd->strength);
    static const hires_upscaler upscalers[] = {HIRES_LATENT, HIRES_LATENT, HIRES_LATENT_NEAREST, HIRES_LANCZOS};
    *h = (hires_request){.scale = scale, .width = hd->width, .height = hd->height, .steps = steps, .strength = strength,
                         .upscaler = upscalers[hd->upscaler]};
    pixeen_model_info info;
    pixeen_model_get_info(pm, &info);
    hires_plan plan;
    PX_TRY(hires_plan_make(r->width, r->height, info.size_multiple, h, &plan));
    *on = true;
    return PIXEEN_OK;
}

/* Previews: one small recording (the latent_preview kernel into a host-visible buffer) made on the
 * first preview and replayed after each later one; the only readback is that buffer. */
typedef struct preview_state {
    gpu_context *gpu;
    pixeen_preview_fn fn;
    void *user;
    gpu_recorder *rec;
    gpu_buffer *out;
    uint8_t *rgb;
    int width, height;
    op_preview_factors factors; /* the model family's */
    /* A TAESD preview decoder: a program decoding image 0 into RGBA8 (host-visible `out`), whose
     * pixels are repacked into `rgb` (host memory, wiped at the end). */
    const taesd *taesd;
    tensor_dtype act;
    tensor latents0;
    nn_program prog;
    uint64_t bound_vk, bound_offset; /* where the latents the recordings read are (a hires fix's */
    int64_t bound_shape[TENSOR_MAX_RANK]; /* second pass has others) */
} preview_state;

static void preview_free(preview_state *p);

/* A new run's latents (another buffer or size): the recordings made for the last ones go. */
static void preview_rebind(preview_state *p, const tensor *latents) {
    uint64_t vk = 0, offset = 0;
    gpu_buffer_vk_handle(latents->buffer, &vk, &offset);
    offset += latents->offset;
    bool same = p->bound_vk == vk && p->bound_offset == offset && !memcmp(p->bound_shape, latents->shape, sizeof p->bound_shape);
    p->bound_vk = vk;
    p->bound_offset = offset;
    memcpy(p->bound_shape, latents->shape, sizeof p->bound_shape);
    if (same || (!p->rec && !p->prog.rec)) return;
    preview_free(p);
    p->rec = NULL;
    p->out = NULL;
    p->rgb = NULL;
    memset(&p->prog, 0, sizeof p->prog);
}

static tensor build_taesd_preview(nn_graph *g, void *user) {
    preview_state *p = user;
    tensor z = nn_alloc(g, 4, p->latents0.shape);
    if (g->rec) op_latent_scale_record(g->rec, &p->latents0, 1.0f, &z); /* TAESD takes latents unscaled */
    tensor img = taesd_decode_forward(g, &p->taesd->cfg, &z);
    nn_release(g, &z);
    if (g->rec && g->status == PIXEEN_OK) op_image_rgba8_record(g->rec, &img, p->out, 0);
    return img;
}

static pixeen_status on_preview_taesd(const tensor *latents, int step, int total, preview_state *p) {
    if (!p->prog.rec) {
        p->latents0 = nn_view(*latents, 4, (const int64_t[]){1, latents->shape[1], latents->shape[2], latents->shape[3]});
        p->width = (int)latents->shape[2] * p->taesd->cfg.downscale;
        p->height = (int)latents->shape[1] * p->taesd->cfg.downscale;
        uint64_t pixels = (uint64_t)p->width * (uint64_t)p->height;
        PX_TRY(gpu_buffer_create(p->gpu, GPU_MEMORY_HOST, pixels * 4, "taesd preview", &p->out));
        if (!(p->rgb = malloc(pixels * 3))) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "generate: out of host memory");
        PX_TRY(nn_program_build(p->gpu, &p->taesd->weights, p->act, build_taesd_preview, p, &p->prog));
    }
    PX_TRY(gpu_recorder_submit(p->prog.rec));
    const uint8_t *rgba = gpu_buffer_map(p->out);
    size_t pixels = (size_t)p->width * (size_t)p->height;
    for (size_t i = 0; i < pixels; i++) memcpy(p->rgb + i * 3, rgba + i * 4, 3);
    p->fn(p->rgb, p->width, p->height, step, total, p->user);
    return PIXEEN_OK;
}

static pixeen_status on_preview(const tensor *latents, int step, int total, void *user) {
    preview_state *p = user;
    preview_rebind(p, latents);
    if (p->taesd) return on_preview_taesd(latents, step, total, p);
    if (!p->rec) {
        uint64_t pixels = (uint64_t)(latents->shape[1] * latents->shape[2]);
        p->width = (int)latents->shape[2];
        p->height = (int)latents->shape[1];
        PX_TRY(gpu_buffer_create(p->gpu, GPU_MEMORY_HOST, op_latent_preview_bytes(pixels), "preview", &p->out));
        p->rgb = gpu_buffer_map(p->out);
        PX_TRY(gpu_recorder_create(p->gpu, &p->rec));
        gpu_recorder_begin(p->rec);
        op_latent_preview_record(p->rec, latents, &p->factors, p->out);
        PX_TRY(gpu_recorder_end(p->rec));
    }
    PX_TRY(gpu_recorder_submit(p->rec));
    p->fn(p->rgb, p->width, p->height, step, total, p->user);
    return PIXEEN_OK;
}

static void preview_free(preview_state *p) {
    gpu_recorder_destroy(p->rec);
    if (p->taesd) {
        nn_program_free(&p->prog);
        if (p->rgb) platform_wipe(p->rgb, (size_t)p->width * (size_t)p->height * 3);
        free(p->rgb);
        gpu_buffer_destroy_wiped(p->out); /* it shows the image being made */
        return;
    }
    if (p->rgb) memset(p->rgb, 0, gpu_buffer_size(p->out)); /* it shows the image being made */
    gpu_buffer_destroy(p->out);
}

PIXEEN_API pixeen_status pixeen_generate(pixeen_model *pm, const pixeen_generate_desc *desc, pixeen_image **out) {
    error_clear();
    if (!pm || !desc || !out)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "generate: model, descriptor or output is NULL");
    *out = NULL;
    pixeen_context *ctx = pm->ctx;
    /* First, so that a call refused as busy touches nothing the running one uses: its message
     * stays in this thread's pixeen_last_error(), not in the context's. */
    int expected = 0;
    if (!atomic_compare_exchange_strong(&ctx->busy, &expected, 1))
        return error_set(PIXEEN_ERROR_BUSY, "generate: another generation is running on this context");
    if (!pm->sd) {
        atomic_store(&ctx->busy, 0);
        return api_finish(ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                                         "generate: this model is a TAESD (an autoencoder only): load a Stable Diffusion model"));
    }
    txt2img_request req;
    int64_t seed = 0;
    edit_inputs edit = {0};
    lora_request *loras = NULL;
    pixeen_status status = resolve_request(pm, desc, &req, &seed);
    if (status == PIXEEN_OK) status = lora_list(desc, &req, &loras);
    if (status == PIXEEN_OK) status = resolve_edit(pm, desc, &req, &edit);
    if (status == PIXEEN_OK) status = resolve_decoders(pm, desc, &req);
    hires_request hires;
    bool with_hires = false;
    if (status == PIXEEN_OK) status = resolve_more(pm, desc, &req, &hires, &with_hires);
    if (status != PIXEEN_OK) {
        edit_inputs_free(&edit);
        atomic_store(&ctx->busy, 0);
        return api_finish(ctx, status);
    }
    atomic_store(&ctx->cancel, 0);
    req.cancel = &ctx->cancel;
    pixeen_image *img = calloc(1, sizeof *img);
    if (!img) status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "generate: out of host memory");
    preview_state preview = {.gpu = ctx->gpu, .fn = desc->preview, .user = desc->preview_user,
                             .taesd = desc->decoders && desc->decoders->preview_decoder ? desc->decoders->preview_decoder->taesd : NULL,
                             .act = pm->sd->act};
    memcpy(preview.factors.f, pm->sd->family->preview_factors, sizeof preview.factors.f);
    memcpy(preview.factors.bias, pm->sd->family->preview_bias, sizeof preview.factors.bias);
    if (desc->preview) {
        req.preview = on_preview;
        req.preview_user = &preview;
        req.preview_every = desc->preview_every;
    }
    if (status == PIXEEN_OK)
        status = with_hires ? hires_run(pm->sd, &req, &hires, &img->result) : txt2img_run(pm->sd, &req, &img->result);
    free(loras);
    preview_free(&preview);
    edit_inputs_free(&edit);
    atomic_store(&ctx->busy, 0);
    if (status != PIXEEN_OK) {
        free(img);
        return api_finish(ctx, status);
    }
    img->ctx = ctx;
    img->seed = seed;
    *out = img;
    return api_finish(ctx, PIXEEN_OK);
}

PIXEEN_API pixeen_status pixeen_image_get_info(const pixeen_image *image, pixeen_image_info *out) {
    if (!image || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: image or output is NULL");
    *out = (pixeen_image_info){.width = image->result.width, .height = image->result.height, .count = image->result.batch,
                               .seed = image->seed};
    return PIXEEN_OK;
}

PIXEEN_API pixeen_status pixeen_image_read(pixeen_image *image, int index, uint8_t *rgba, size_t size) {
    error_clear();
    if (!image || !rgba) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: image or buffer is NULL");
    const txt2img_result *r = &image->result;
    size_t one = (size_t)r->width * r->height * 4;
    if (index < 0 || index >= r->batch)
        return api_finish(image->ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: index %d (the batch has %d)", index, r->batch));
    if (size < one)
        return api_finish(image->ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: buffer of %zu bytes (expected %zu)", size, one));
    return api_finish(image->ctx, gpu_buffer_download(image->ctx->gpu, r->rgba, one * (size_t)index, rgba, one));
}

PIXEEN_API pixeen_status pixeen_image_get_vulkan_buffer(const pixeen_image *image, int index, uint64_t *buffer,
                                                        uint64_t *offset, uint64_t *size) {
    error_clear();
    if (!image || !buffer || !offset || !size)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: image or an output pointer is NULL");
    const txt2img_result *r = &image->result;
    if (index < 0 || index >= r->batch)
        return api_finish(image->ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "image: index %d (the batch has %d)", index, r->batch));
    if (!gpu_context_borrowed(image->ctx->gpu))
        return api_finish(image->ctx, error_set(PIXEEN_ERROR_UNSUPPORTED,
                                                "image: the context created its own Vulkan device, so its buffers mean nothing "
                                                "to the application (share a device with pixeen_context_desc.vulkan, or use pixeen_image_read)"));
    uint64_t one = (uint64_t)r->width * r->height * 4, start = 0;
    gpu_buffer_vk_handle(r->rgba, buffer, &start);
    *offset = start + one * (uint64_t)index;
    *size = one;
    return api_finish(image->ctx, PIXEEN_OK);
}

PIXEEN_API void pixeen_image_destroy(pixeen_image *image) {
    if (!image) return;
    txt2img_result_free(&image->result);
    free(image);
}
