/* probe.c — pixeen_probe: one network on .npy inputs, output to .npy. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/f16.h"
#include "core/npy.h"
#include "models/clip.h"
#include "models/unet.h"
#include "models/taesd.h"
#include "models/vae.h"
#include "models/vae_encoder.h"
#include "pipeline/run_tensor.h"

#define PROBE_INPUTS 5

typedef struct probe_inputs {
    const clip_config *clip;
    const unet_config *unet;
    const vae_config *vae;
    const taesd_config *taesd;
    int clip_skip;
    bool pooled;
    tensor in[PROBE_INPUTS]; /* text: ids, pooled rows; UNet: sample, t, context, text_embeds, time_ids */
} probe_inputs;

static tensor build_text(nn_graph *g, void *user) {
    probe_inputs *p = user;
    if (!p->pooled) return clip_text_forward(g, p->clip, &p->in[0], p->clip_skip, true);
    tensor pooled = {0};
    tensor hidden = clip_text_forward_pooled(g, p->clip, &p->in[0], 1, true, &p->in[1], &pooled);
    nn_release(g, &hidden);
    return pooled;
}
static tensor build_unet(nn_graph *g, void *user) {
    probe_inputs *p = user;
    unet_added_inputs added = {p->in[3].rank ? &p->in[3] : NULL, p->in[4].rank ? &p->in[4] : NULL};
    return unet_forward_added(g, p->unet, &p->in[0], &p->in[1], &p->in[2], &added);
}
static tensor build_vae(nn_graph *g, void *user) {
    probe_inputs *p = user;
    return vae_decode_forward(g, p->vae, &p->in[0]);
}

static tensor build_vae_encoder(nn_graph *g, void *user) {
    probe_inputs *p = user;
    return vae_encode_forward(g, p->vae, &p->in[0]);
}
static tensor build_taesd_decoder(nn_graph *g, void *user) {
    probe_inputs *p = user;
    return taesd_decode_forward(g, p->taesd, &p->in[0]);
}
static tensor build_taesd_encoder(nn_graph *g, void *user) {
    probe_inputs *p = user;
    return taesd_encode_forward(g, p->taesd, &p->in[0]);
}

/* Reads an .npy as float32 (converting f16 / integer ids as asked). */
static pixeen_status read_npy(const char *path, bool ids, npy_header *h, void **out) {
    if (!path) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: an input .npy path is missing");
    void *raw = NULL;
    PX_TRY(npy_read(path, h, &raw));
    size_t n = h->count;
    void *conv = malloc(n ? n * 4 : 4);
    if (!conv) {
        free(raw);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "probe: out of host memory");
    }
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < n; i++) {
        if (ids) {
            int64_t v = h->dtype == NPY_DTYPE_I64 ? ((int64_t *)raw)[i] : h->dtype == NPY_DTYPE_I32 ? ((int32_t *)raw)[i] : -1;
            if (v < 0 || v > INT32_MAX || (h->dtype != NPY_DTYPE_I64 && h->dtype != NPY_DTYPE_I32)) {
                st = error_set(PIXEEN_ERROR_FORMAT, "probe: %s: token ids must be int32 or int64 and non-negative", path);
                break;
            }
            ((int32_t *)conv)[i] = (int32_t)v;
        } else if (h->dtype == NPY_DTYPE_F32) {
            ((float *)conv)[i] = ((float *)raw)[i];
        } else if (h->dtype == NPY_DTYPE_F16) {
            ((float *)conv)[i] = f16_to_f32(((uint16_t *)raw)[i]);
        } else {
            st = error_set(PIXEEN_ERROR_FORMAT, "probe: %s: expected float32 or float16 (found %s)", path, npy_dtype_name(h->dtype));
            break;
        }
    }
    free(raw);
    if (st != PIXEEN_OK) {
        free(conv);
        return st;
    }
    *out = conv;
    return PIXEEN_OK;
}

/* Uploads host data (float32, or int32 ids) as a tensor of `dtype` with the given shape. */
static pixeen_status upload(gpu_context *ctx, const void *data, tensor_dtype dtype, uint32_t rank, const int64_t *shape,
                            tensor *t) {
    return run_tensor_upload(ctx, dtype, rank, shape, data, "probe input", t);
}

static pixeen_status image_input(gpu_context *ctx, const char *path, int64_t channels, tensor_dtype act, tensor *t) {
    npy_header h;
    float *data = NULL, *nhwc = NULL;
    PX_TRY(read_npy(path, false, &h, (void **)&data));
    pixeen_status st = PIXEEN_OK;
    if (h.ndim != 4 || (int64_t)h.shape[1] != channels)
        st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected [B, %lld, H, W] (NCHW)", path, (long long)channels);
    if (st == PIXEEN_OK && !(nhwc = malloc(h.count * 4))) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "probe: out of host memory");
    if (st == PIXEEN_OK) {
        int64_t B = (int64_t)h.shape[0], H = (int64_t)h.shape[2], W = (int64_t)h.shape[3];
        nchw_to_nhwc(data, nhwc, B, channels, H * W);
        st = upload(ctx, nhwc, act, 4, (const int64_t[]){B, H, W, channels}, t);
    }
    free(data);
    free(nhwc);
    return st;
}

/* Image sizes must be multiples of the downscale factor (the encoders halve them level by level). */
static pixeen_status check_multiple(const tensor *t, int f, const char *path) {
    if (t->shape[1] % f || t->shape[2] % f)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: the image is %lldx%lld, not a multiple of %d", path,
                         (long long)t->shape[2], (long long)t->shape[1], f);
    return PIXEEN_OK;
}

static pixeen_status probe_taesd(pixeen_model *pm, const pixeen_probe_desc *d, probe_inputs *p, nn_program *prog) {
    gpu_context *ctx = pm->ctx->gpu;
    const taesd_config *c = &pm->taesd->cfg;
    p->taesd = c;
    if (d->component == PIXEEN_COMPONENT_TAESD_DECODER) {
        PX_TRY(image_input(ctx, d->inputs[0], c->latent_channels, pm->act, &p->in[0]));
        return nn_program_build(ctx, &pm->taesd->weights, pm->act, build_taesd_decoder, p, prog);
    }
    if (d->component == PIXEEN_COMPONENT_TAESD_ENCODER) {
        PX_TRY(image_input(ctx, d->inputs[0], c->in_channels, pm->act, &p->in[0]));
        PX_TRY(check_multiple(&p->in[0], c->downscale, d->inputs[0]));
        return nn_program_build(ctx, &pm->taesd->weights, pm->act, build_taesd_encoder, p, prog);
    }
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: this model is a TAESD: its components are taesd_decoder and taesd_encoder");
}

static pixeen_status probe_run(pixeen_model *pm, const pixeen_probe_desc *d, probe_inputs *p, nn_program *prog) {
    if (!pm->sd) return probe_taesd(pm, d, p, prog);
    sd_model *m = pm->sd;
    gpu_context *ctx = m->ctx;
    npy_header h;
    void *data = NULL;
    if (d->component == PIXEEN_COMPONENT_TEXT_ENCODER || d->component == PIXEEN_COMPONENT_TEXT_ENCODER_2) {
        model_component c = d->component == PIXEEN_COMPONENT_TEXT_ENCODER ? MODEL_TEXT_ENCODER : MODEL_TEXT_ENCODER_2;
        if (!model_has(m->files, c))
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: this %s model has no %s", m->family->name,
                             model_component_name(c));
        p->clip = model_clip_config(m->files, c);
        PX_TRY(read_npy(d->inputs[0], true, &h, &data));
        pixeen_status st = h.ndim == 2 && h.shape[1] == 77 && h.shape[0] >= 1 && h.shape[0] <= 4096
                               ? PIXEEN_OK
                               : error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected token ids [B, 77]", d->inputs[0]);
        int64_t B = st == PIXEEN_OK ? (int64_t)h.shape[0] : 0;
        if (st == PIXEEN_OK) st = upload(ctx, data, DTYPE_I32, 2, (const int64_t[]){B, 77}, &p->in[0]);
        int32_t *rows = p->pooled && st == PIXEEN_OK ? malloc((size_t)B * 4) : NULL;
        if (p->pooled && st == PIXEEN_OK && !rows) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "probe: out of host memory");
        for (int64_t b = 0; rows && b < B; b++) { /* transformers' rule for SD's encoders: argmax of the ids */
            const int32_t *ids = (const int32_t *)data + b * 77;
            int best = 0;
            for (int i = 1; i < 77; i++)
                if (ids[i] > ids[best]) best = i;
            rows[b] = (int32_t)(b * 77 + best);
        }
        if (rows && st == PIXEEN_OK) st = upload(ctx, rows, DTYPE_I32, 1, (const int64_t[]){B}, &p->in[1]);
        free(rows);
        free(data);
        if (st == PIXEEN_OK) st = nn_program_build(ctx, &m->weights[c], m->act, build_text, p, prog);
        return st;
    }
    if (d->component == PIXEEN_COMPONENT_UNET) {
        PX_TRY(image_input(ctx, d->inputs[0], p->unet->in_channels, m->act, &p->in[0]));
        int64_t B = p->in[0].shape[0];
        PX_TRY(read_npy(d->inputs[1], false, &h, &data));
        float *t = malloc((size_t)B * 4);
        pixeen_status st = t && (h.count == 1 || (int64_t)h.count == B) ? PIXEEN_OK
                           : error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected [1] or [B] timesteps", d->inputs[1]);
        for (int64_t b = 0; st == PIXEEN_OK && b < B; b++) t[b] = ((float *)data)[h.count == 1 ? 0 : b];
        free(data);
        if (st == PIXEEN_OK) st = upload(ctx, t, DTYPE_F32, 1, (const int64_t[]){B}, &p->in[1]);
        free(t);
        if (st == PIXEEN_OK) st = read_npy(d->inputs[2], false, &h, &data);
        if (st == PIXEEN_OK && (h.ndim != 3 || (int64_t)h.shape[0] != B || (int64_t)h.shape[2] != p->unet->cross_attention_dim))
            st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected context [%lld, T, %d]", d->inputs[2], (long long)B,
                           p->unet->cross_attention_dim);
        if (st == PIXEEN_OK) st = upload(ctx, data, m->act, 3, (const int64_t[]){B, (int64_t)h.shape[1], (int64_t)h.shape[2]}, &p->in[2]);
        free(data);
        data = NULL;
        /* SDXL's added inputs: pooled text [B, P] and time ids [B, 6] */
        const unet_config *u = p->unet;
        bool added = u->addition_time_embed_dim > 0;
        if (st == PIXEEN_OK && added != (d->text_embeds && d->time_ids))
            st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                           added ? "probe: this UNet (SDXL) needs its added inputs: text_embeds and time_ids"
                                 : "probe: this UNet takes no text_embeds / time_ids");
        if (st == PIXEEN_OK && added) {
            int64_t P = u->projection_class_embeddings_input_dim - 6 * u->addition_time_embed_dim;
            st = read_npy(d->text_embeds, false, &h, &data);
            if (st == PIXEEN_OK && (h.ndim != 2 || (int64_t)h.shape[0] != B || (int64_t)h.shape[1] != P))
                st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected text_embeds [%lld, %lld]", d->text_embeds,
                               (long long)B, (long long)P);
            if (st == PIXEEN_OK) st = upload(ctx, data, m->act, 2, (const int64_t[]){B, P}, &p->in[3]);
            free(data);
            data = NULL;
            if (st == PIXEEN_OK) st = read_npy(d->time_ids, false, &h, &data);
            if (st == PIXEEN_OK && (h.ndim != 2 || (int64_t)h.shape[0] != B || h.shape[1] != 6))
                st = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: %s: expected time_ids [%lld, 6]", d->time_ids,
                               (long long)B);
            if (st == PIXEEN_OK) st = upload(ctx, data, DTYPE_F32, 1, (const int64_t[]){B * 6}, &p->in[4]);
            free(data);
        }
        if (st == PIXEEN_OK) st = nn_program_build(ctx, &m->weights[MODEL_UNET], m->act, build_unet, p, prog);
        return st;
    }
    if (d->component == PIXEEN_COMPONENT_VAE_DECODER) {
        PX_TRY(image_input(ctx, d->inputs[0], p->vae->latent_channels, m->act, &p->in[0]));
        return nn_program_build(ctx, &m->weights[MODEL_VAE], m->act, build_vae, p, prog);
    }
    if (d->component == PIXEEN_COMPONENT_VAE_ENCODER) {
        PX_TRY(image_input(ctx, d->inputs[0], p->vae->in_channels, m->act, &p->in[0]));
        PX_TRY(check_multiple(&p->in[0], p->vae->downscale, d->inputs[0]));
        return nn_program_build(ctx, &m->weights[MODEL_VAE], m->act, build_vae_encoder, p, prog);
    }
    if (d->component == PIXEEN_COMPONENT_TAESD_DECODER || d->component == PIXEEN_COMPONENT_TAESD_ENCODER)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: the TAESD components need a TAESD folder as the model (-m TAESD_DIR)");
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: unknown component %d", (int)d->component);
}

/* Downloads the output and writes it as float32 .npy (NCHW for images). */
static pixeen_status write_output(pixeen_model *pm, const pixeen_probe_desc *d, const tensor *y) {
    size_t n = (size_t)tensor_count(y);
    float *host = malloc(n * 4), *out = malloc(n * 4);
    void *raw = malloc(tensor_bytes(y));
    pixeen_status st = host && out && raw ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "probe: out of host memory");
    if (st == PIXEEN_OK) st = gpu_buffer_download(pm->ctx->gpu, y->buffer, y->offset, raw, tensor_bytes(y));
    if (st == PIXEEN_OK) {
        if (y->dtype == DTYPE_F16)
            f16_to_f32_array(host, raw, n);
        else
            memcpy(host, raw, n * 4);
        uint64_t shape[4];
        int ndim = (int)y->rank;
        if (y->rank == 4) { /* NHWC -> NCHW */
            nhwc_to_nchw(host, out, y->shape[0], y->shape[3], y->shape[1] * y->shape[2]);
            shape[0] = (uint64_t)y->shape[0];
            shape[1] = (uint64_t)y->shape[3];
            shape[2] = (uint64_t)y->shape[1];
            shape[3] = (uint64_t)y->shape[2];
        } else {
            memcpy(out, host, n * 4);
            for (int i = 0; i < ndim; i++) shape[i] = (uint64_t)y->shape[i];
        }
        st = npy_write(d->output, NPY_DTYPE_F32, ndim, shape, out);
    }
    free(host);
    free(out);
    free(raw);
    return st;
}

PIXEEN_API pixeen_status pixeen_probe(pixeen_model *pm, const pixeen_probe_desc *d) {
    error_clear();
    if (!pm || !d || !d->output) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: model, descriptor or output is NULL");
    pixeen_status st = api_check_reserved(d->reserved, sizeof d->reserved / sizeof d->reserved[0], "probe");
    if (st != PIXEEN_OK) return api_finish(pm->ctx, st);
    if (d->pooled < 0 || d->pooled > 1)
        return api_finish(pm->ctx, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "probe: pooled %d (expected 0 or 1)", d->pooled));
    probe_inputs p = {.clip_skip = d->clip_skip ? d->clip_skip : 1, .pooled = d->pooled == 1};
    if (pm->sd) {
        p.clip = model_clip_config(pm->sd->files, MODEL_TEXT_ENCODER);
        p.unet = model_unet_config(pm->sd->files);
        p.vae = model_vae_config(pm->sd->files);
    }
    nn_program prog = {0};
    st = probe_run(pm, d, &p, &prog);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(prog.rec);
    if (st == PIXEEN_OK) st = write_output(pm, d, &prog.output);
    nn_program_free(&prog);
    for (int i = 0; i < PROBE_INPUTS; i++) gpu_buffer_destroy_wiped(p.in[i].buffer);
    return api_finish(pm->ctx, st);
}
