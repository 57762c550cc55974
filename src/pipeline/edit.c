/* edit.c — see edit.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/secure_mem.h"
#include "models/vae_encoder.h"
#include "ops/latent_blend.h"
#include "ops/latent_sample.h"
#include "ops/latent_scale.h"
#include "ops/layout.h"
#include "ops/sampler_step.h"
#include "pipeline/edit.h"
#include "pipeline/run_tensor.h"

pixeen_status edit_begin(const sd_model *m, const edit_request *req, int width, int height, int batch, edit_state *e) {
    memset(e, 0, sizeof *e);
    const unet_config *u = model_unet_config(m->files);
    const vae_config *v = model_vae_config(m->files);
    e->vae = v;
    e->req = req;
    e->nine = u->in_channels == 2 * v->latent_channels + 1;
    if (u->in_channels != v->latent_channels && !e->nine)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "edit: the UNet takes %d input channels (expected %d, or %d for inpainting)",
                         u->in_channels, v->latent_channels, 2 * v->latent_channels + 1);
    if (!req) {
        if (e->nine)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                             "edit: this is an inpainting model (9 UNet input channels): give an init image and a mask");
        return PIXEEN_OK;
    }
    if (!req->image == !(req->pixels || req->latents) || (req->pixels && req->latents))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "edit: give one start: host pixels, GPU pixels or latents");
    bool gpu_start = req->pixels || req->latents;
    if (req->latents && req->mask)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "edit: a mask goes with a picture, not with a start in latent space");
    if (req->run_steps < 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "edit: %d steps to run", req->run_steps);
    if (!(req->strength > 0.0f && req->strength <= 1.0f))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "edit: strength %g (expected 0 < strength <= 1)", (double)req->strength);
    if (e->nine && !req->mask)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "edit: this is an inpainting model (9 UNet input channels): it needs a mask besides the init image");
    if (gpu_start && e->nine)
        return error_set(PIXEEN_ERROR_UNSUPPORTED, "edit: an inpainting model (9 UNet input channels) needs the init image "
                         "in host memory (a file or RGBA8 pixels), not in a VkBuffer: its masked copy is made on the host");
    e->inpaint = req->mask != NULL;
    e->full = e->inpaint && req->strength == 1.0f;
    /* diffusers encodes the image when it is the start (strength < 1) or, for 4-channel
     * inpainting, the known region to paste back (return_image_latents). */
    e->encode_image = (!e->full || (e->inpaint && !e->nine)) && !req->latents;
    e->B = batch;
    e->C = v->latent_channels;
    e->H = height;
    e->W = width;
    e->h = height / v->downscale;
    e->w = width / v->downscale;
    e->pictures = 1;
    const tensor *px = req->pixels, *lat = req->latents;
    if (px && (px->rank != 4 || px->dtype != DTYPE_F32 || (px->shape[0] != 1 && px->shape[0] != batch) ||
               px->shape[1] != height || px->shape[2] != width || px->shape[3] != 3))
        return error_set(PIXEEN_ERROR_INTERNAL, "edit: the GPU pixels are not fp32 [1 or %d, %d, %d, 3]", batch, height, width);
    if (px) e->pictures = (int)px->shape[0];
    if (lat && (lat->rank != 4 || lat->dtype != DTYPE_F32 || lat->shape[0] != batch || lat->shape[1] != e->h ||
                lat->shape[2] != e->w || lat->shape[3] != e->C))
        return error_set(PIXEEN_ERROR_INTERNAL, "edit: the start latents are not fp32 [%d, %lld, %lld, %lld]", batch,
                         (long long)e->h, (long long)e->w, (long long)e->C);
    return PIXEEN_OK;
}

pixeen_status edit_trim_plan(edit_state *e, sampler_plan *plan) {
    if (!e->req) return PIXEEN_OK;
    int steps = plan->steps;
    int init = e->req->run_steps ? e->req->run_steps : (int)((double)steps * (double)e->req->strength);
    if (init > steps) init = steps;
    if (init < 1)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "edit: strength %g of %d steps runs no step (int(steps * strength) is 0): raise one of them",
                         (double)e->req->strength, steps);
    e->t_start = steps - init;
    if (e->t_start == 0) return PIXEEN_OK;
    memmove(plan->step, plan->step + e->t_start, sizeof plan->step[0] * (size_t)init);
    memmove(plan->sched.timesteps, plan->sched.timesteps + e->t_start, sizeof plan->sched.timesteps[0] * (size_t)init);
    memmove(plan->sched.sigmas, plan->sched.sigmas + e->t_start, sizeof plan->sched.sigmas[0] * (size_t)(init + 1));
    plan->steps = init;
    /* DPM++ 2M has no history at its first step (diffusers' lower_order_nums = 0): first order.
     * Its second-order weights are b = phi (1 + 1/2r), c = -phi / 2r, so phi = b + c. */
    sampler_step *first = &plan->step[0];
    if (first->flags & SAMPLER_STEP_USE_PREV) {
        first->b += first->c;
        first->c = 0.0f;
        first->flags &= ~SAMPLER_STEP_USE_PREV;
    }
    for (int i = 0; i < init; i++) plan->step[i].index = (uint32_t)i;
    return PIXEEN_OK;
}

/* latent_dist.sample: one randn of the mean's shape [count, C, h, w], into samples which.. */
static pixeen_status draw_sample(edit_state *e, rng *r, int which, int count) {
    size_t n = (size_t)(e->h * e->w * e->C);
    if (!e->sample_noise && !(e->sample_noise = calloc((size_t)(e->pictures + 1) * n, sizeof(float))))
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    float *nchw = malloc((size_t)count * n * sizeof(float));
    if (!nchw) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    pixeen_status st = rng_randn(r, nchw, (size_t)count * n);
    if (st == PIXEEN_OK) nchw_to_nhwc(nchw, e->sample_noise + (size_t)which * n, count, e->C, e->h * e->w);
    free(nchw);
    return st;
}

pixeen_status edit_draw_before_noise(edit_state *e, rng *r) {
    return e->req && e->encode_image ? draw_sample(e, r, 0, e->pictures) : PIXEEN_OK;
}

pixeen_status edit_keep_noise(edit_state *e, const float *nchw) {
    if (!e->req) return PIXEEN_OK;
    size_t n = (size_t)(e->B * e->h * e->w * e->C);
    if (!(e->init_noise = malloc(n * sizeof(float)))) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    nchw_to_nhwc(nchw, e->init_noise, e->B, e->C, e->h * e->w);
    return PIXEEN_OK;
}

pixeen_status edit_draw_after_noise(edit_state *e, rng *r) {
    return e->req && e->inpaint ? draw_sample(e, r, e->pictures, 1) : PIXEEN_OK;
}

/* add_noise's weights at noise level sigma in the sampler's domain (see latent_blend.comp). */
static void noise_weights(const sampler_plan *plan, double sigma, float out[2]) {
    bool ve = plan->kind == SAMPLER_EULER || plan->kind == SAMPLER_EULER_A;
    out[0] = ve ? 1.0f : (float)(1.0 / sqrt(sigma * sigma + 1.0));
    out[1] = ve ? (float)sigma : (float)(sigma / sqrt(sigma * sigma + 1.0));
}

/* The one-off program: pictures -> encoder -> samples -> starting latents / 9-channel inputs. */
typedef struct prepare_build {
    edit_state *e;
    const tensor *x;
    int images; /* 1 or 2 pictures encoded: [image][, masked image] */
} prepare_build;

static tensor build_prepare(nn_graph *g, void *user) {
    prepare_build *p = user;
    edit_state *e = p->e;
    const int64_t n1 = e->h * e->w * e->C;
    tensor img = nn_alloc4(g, p->images, e->H, e->W, 3);
    const tensor *pixels = e->req->pixels ? e->req->pixels : &e->pixels;
    if (g->rec) op_latent_scale_record(g->rec, pixels, 1.0f, &img); /* fp32 -> activation dtype */
    tensor moments = vae_encode_forward(g, e->vae, &img);
    nn_release(g, &img);
    if (!g->rec || g->status != PIXEEN_OK) {
        if (e->nine) { /* the 9-channel conversions' scratch, planned like the recording pass */
            tensor a = nn_alloc4(g, e->B, e->h, e->w, e->C), b = nn_alloc4(g, e->B, e->h, e->w, 1);
            nn_release(g, &a);
            nn_release(g, &b);
        }
        return moments;
    }
    int64_t m1 = e->h * e->w * 2 * e->C; /* one picture's moments */
    int k = 0;
    for (int i = 0; e->encode_image && i < e->pictures; i++) { /* one picture for all B, or one each */
        tensor mo = nn_view(moments, 4, (const int64_t[]){1, e->h, e->w, 2 * e->C});
        mo.offset += (uint64_t)(i * m1) * dtype_size(moments.dtype);
        tensor nz = nn_view(e->sample_noise_t, 1, (const int64_t[]){n1});
        nz.offset += (uint64_t)(i * n1) * sizeof(float);
        tensor out = e->x0;
        if (e->pictures > 1) {
            out = nn_view(e->x0, 4, (const int64_t[]){1, e->h, e->w, e->C});
            out.offset += (uint64_t)(i * n1) * sizeof(float);
        }
        op_latent_sample_record(g->rec, &mo, &nz, e->vae->scaling_factor, &out);
        k++;
    }
    if (e->nine) {
        tensor mo = nn_view(moments, 4, (const int64_t[]){1, e->h, e->w, 2 * e->C});
        mo.offset += (uint64_t)(k * m1) * dtype_size(moments.dtype);
        tensor nz = nn_view(e->sample_noise_t, 1, (const int64_t[]){n1});
        nz.offset += (uint64_t)(e->pictures * n1) * sizeof(float);
        op_latent_sample_record(g->rec, &mo, &nz, e->vae->scaling_factor, &e->masked);
        /* extra = [mask, masked latents] in the activation dtype, once per CFG half. */
        tensor a = nn_alloc4(g, e->B, e->h, e->w, e->C), b = nn_alloc4(g, e->B, e->h, e->w, 1);
        op_latent_scale_record(g->rec, &e->masked, 1.0f, &a);
        op_latent_scale_record(g->rec, &e->mask_rows, 1.0f, &b);
        for (uint32_t half = 0; half < e->halves; half++) {
            tensor o = nn_view(e->extra, 4, (const int64_t[]){e->B, e->h, e->w, e->C + 1});
            o.offset += (uint64_t)half * (uint64_t)tensor_bytes(&o);
            op_concat_channels_record(g->rec, &b, &a, &o);
        }
        nn_release(g, &a);
        nn_release(g, &b);
    }
    if (!e->full) { /* the start: the image latents noised to the first step's level */
        op_blend_bindings bb = {e->coeffs, NULL, p->x, &e->x0, &e->noise, NULL};
        op_latent_blend_record(g->rec, &bb, 0, false);
    }
    return moments;
}

/* A start already in latent space (a hires fix's upscaled latents): x0 = a copy of them, then the
 * start's noise as for an encoded picture. No encoder, no sample. */
static pixeen_status start_from_latents(gpu_context *ctx, edit_state *e, const tensor *x) {
    gpu_recorder *rec = NULL;
    PX_TRY(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    const tensor *lat = e->req->latents;
    gpu_record_copy(rec, lat->buffer, lat->offset, e->x0.buffer, e->x0.offset, tensor_bytes(&e->x0));
    op_blend_bindings bb = {e->coeffs, NULL, x, &e->x0, &e->noise, NULL};
    op_latent_blend_record(rec, &bb, 0, false);
    pixeen_status st = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    return st;
}

pixeen_status edit_prepare(sd_model *m, edit_state *e, const sampler_plan *plan, const tensor *x, uint32_t halves) {
    if (!e->req) return PIXEEN_OK;
    gpu_context *ctx = m->ctx;
    e->plan = plan;
    e->halves = halves;
    const int64_t B = e->B, C = e->C, h = e->h, w = e->w, HW = e->H * e->W;
    const int64_t lat[4] = {B, h, w, C};
    int images = (e->encode_image ? e->pictures : 0) + (e->nine ? 1 : 0);
    size_t px = (size_t)HW * 3;
    pixeen_status st = PIXEEN_OK;
    if (e->req->image && images) { /* from the host; GPU pixels are read where they are */
        /* Pictures: the image, then the masked image (image * (mask < 0.5)) for 9-channel models. */
        float *host = malloc(px * (size_t)images * sizeof(float));
        if (!host) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
        int at = 0;
        if (e->encode_image) memcpy(host, e->req->image, px * sizeof(float)), at++;
        if (e->nine)
            for (int64_t i = 0; i < HW; i++)
                for (int c = 0; c < 3; c++)
                    host[(size_t)at * px + (size_t)i * 3 + c] = e->req->mask[i] < 0.5f ? e->req->image[i * 3 + c] : 0.0f;
        st = run_tensor_create(ctx, DTYPE_F32, 4, (const int64_t[]){images, e->H, e->W, 3}, "edit pictures", &e->pixels);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->pixels.buffer, 0, host, tensor_bytes(&e->pixels));
        platform_wipe(host, px * (size_t)images * sizeof(float));
        free(host);
    }

    const int64_t samples = e->pictures + 1;
    if (st == PIXEEN_OK)
        st = run_tensor_create(ctx, DTYPE_F32, 2, (const int64_t[]){samples, h * w * C}, "edit sample noise", &e->sample_noise_t);
    if (st == PIXEEN_OK && !e->sample_noise && !(e->sample_noise = calloc((size_t)(samples * h * w * C), sizeof(float))))
        st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->sample_noise_t.buffer, 0, e->sample_noise, tensor_bytes(&e->sample_noise_t));
    if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_F32, 4, lat, "image latents", &e->x0);
    if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_F32, 4, lat, "edit noise", &e->noise);
    if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->noise.buffer, 0, e->init_noise, tensor_bytes(&e->noise));
    if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_F32, 4, lat, "masked image latents", &e->masked);

    /* The latent-size mask: torch.nn.functional.interpolate(mode="nearest"), src = floor(dst * in / out). */
    float *ml = st == PIXEEN_OK ? malloc((size_t)(B * h * w) * sizeof(float)) : NULL;
    if (st == PIXEEN_OK && !ml) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    if (st == PIXEEN_OK && e->inpaint) {
        float sy = (float)e->H / (float)h, sx = (float)e->W / (float)w;
        for (int64_t y = 0; y < h; y++)
            for (int64_t xx = 0; xx < w; xx++) {
                int64_t iy = (int64_t)floorf((float)y * sy), ix = (int64_t)floorf((float)xx * sx);
                if (iy > e->H - 1) iy = e->H - 1;
                if (ix > e->W - 1) ix = e->W - 1;
                for (int64_t b = 0; b < B; b++) ml[(b * h + y) * w + xx] = e->req->mask[iy * e->W + ix];
            }
        st = run_tensor_create(ctx, DTYPE_F32, 2, (const int64_t[]){h, w}, "latent mask", &e->mask_lat);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->mask_lat.buffer, 0, ml, tensor_bytes(&e->mask_lat));
        if (st == PIXEEN_OK) st = run_tensor_create(ctx, DTYPE_F32, 4, (const int64_t[]){B, h, w, 1}, "latent mask rows", &e->mask_rows);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->mask_rows.buffer, 0, ml, tensor_bytes(&e->mask_rows));
    }
    secure_free(ml, ml ? (size_t)(B * h * w) * sizeof(float) : 0); /* the user's mask, downsampled */
    if (st == PIXEEN_OK && e->nine)
        st = run_tensor_create(ctx, m->act, 4, (const int64_t[]){halves * B, h, w, C + 1}, "inpainting inputs", &e->extra);

    /* Coefficients: entry 0 the start (the first step's sigma), entry k + 1 after step k (the
     * next step's sigma; after the last, the clean latents). */
    float *co = st == PIXEEN_OK ? calloc((size_t)(plan->steps + 1) * 2, sizeof(float)) : NULL;
    if (st == PIXEEN_OK && !co) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "edit: out of host memory");
    if (st == PIXEEN_OK) {
        noise_weights(plan, plan->step[0].sigma, co);
        for (int k = 0; k < plan->steps; k++) {
            if (k + 1 < plan->steps)
                noise_weights(plan, plan->step[k + 1].sigma, co + 2 * (k + 1));
            else
                co[2 * (k + 1)] = 1.0f, co[2 * (k + 1) + 1] = 0.0f;
        }
        st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, (uint64_t)(plan->steps + 1) * 8, "edit coefficients", &e->coeffs);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, e->coeffs, 0, co, (uint64_t)(plan->steps + 1) * 8);
    }
    free(co);
    if (st == PIXEEN_OK && e->req->latents) return start_from_latents(ctx, e, x);
    prepare_build pb = {e, x, images};
    if (st == PIXEEN_OK) st = nn_program_build(ctx, &m->weights[MODEL_VAE], m->act, build_prepare, &pb, &e->encode);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(e->encode.rec);
    nn_program_free(&e->encode); /* run once; its arena (the picture's activations) is cleared */
    return st;
}

tensor edit_unet_input(nn_graph *g, const edit_state *e, const tensor *unet_in) {
    if (!e->req || !e->nine) return *unet_in;
    return nn_concat_channels(g, unet_in, &e->extra);
}

void edit_release_unet_input(nn_graph *g, const edit_state *e, tensor *t) {
    if (e->req && e->nine) nn_release(g, t);
}

void edit_record_after_update(nn_graph *g, const edit_state *e, gpu_buffer *state, const tensor *x) {
    if (!e->req || !e->inpaint || e->nine || !g->rec || g->status != PIXEEN_OK) return;
    op_blend_bindings bb = {e->coeffs, state, x, &e->x0, &e->noise, &e->mask_lat};
    op_latent_blend_record(g->rec, &bb, 1, true);
}

void edit_free(edit_state *e) {
    size_t n = (size_t)(e->B * e->h * e->w * e->C), ns = (size_t)((e->pictures + 1) * e->h * e->w * e->C);
    if (e->init_noise) platform_wipe(e->init_noise, n * sizeof(float));
    if (e->sample_noise) platform_wipe(e->sample_noise, ns * sizeof(float));
    free(e->init_noise);
    free(e->sample_noise);
    gpu_buffer_destroy_wiped(e->pixels.buffer);
    gpu_buffer_destroy_wiped(e->sample_noise_t.buffer);
    gpu_buffer_destroy_wiped(e->x0.buffer);
    gpu_buffer_destroy_wiped(e->noise.buffer);
    gpu_buffer_destroy_wiped(e->masked.buffer);
    gpu_buffer_destroy_wiped(e->mask_lat.buffer);
    gpu_buffer_destroy_wiped(e->mask_rows.buffer);
    gpu_buffer_destroy_wiped(e->extra.buffer);
    gpu_buffer_destroy(e->coeffs);
    nn_program_free(&e->encode);
    memset(e, 0, sizeof *e);
}
