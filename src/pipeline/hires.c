/* hires.c — see hires.h. */
#include <math.h>
#include <string.h>

#include "ops/picture_ops.h"
#include "pipeline/hires.h"
#include "pipeline/picture_gpu.h"
#include "pipeline/run_tensor.h"

pixeen_status hires_plan_make(int W, int H, int factor, const hires_request *h, hires_plan *out) {
    memset(out, 0, sizeof *out);
    if (!(h->strength > 0.0f && h->strength <= 1.0f) || h->steps < 1 || h->steps > 1000 || h->width < 0 || h->height < 0 ||
        W <= 0 || H <= 0 || factor <= 0)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "hires: strength %g, %d steps, size %dx%d (expected 0 < strength <= 1, "
                         "1..1000 steps, sizes >= 0)", (double)h->strength, h->steps, h->width, h->height);
    long long up_w, up_h, trunc_w = 0, trunc_h = 0; /* A1111's hr_upscale_to_x/_y, truncate_x/_y */
    if (!h->width && !h->height) {
        if (!(h->scale > 0.0f && h->scale <= 16.0f))
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "hires: scale %g (expected 0 < scale <= 16)", (double)h->scale);
        up_w = (long long)((double)W * (double)h->scale);
        up_h = (long long)((double)H * (double)h->scale);
    } else if (!h->height) {
        up_w = h->width;
        up_h = (long long)h->width * H / W;
    } else if (!h->width) {
        up_w = (long long)h->height * W / H;
        up_h = h->height;
    } else {
        if ((double)W / H < (double)h->width / h->height) {
            up_w = h->width;
            up_h = (long long)h->width * H / W;
        } else {
            up_w = (long long)h->height * W / H;
            up_h = h->height;
        }
        trunc_w = (up_w - h->width) / factor;
        trunc_h = (up_h - h->height) / factor;
    }
    long long tw = up_w / factor, th = up_h / factor, ow = tw - trunc_w, oh = th - trunc_h;
    if (ow < 1 || oh < 1 || ow * factor > 4096 || oh * factor > 4096 || ow * factor < 8 || oh * factor < 8)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "hires: the second pass would be %lldx%lld pixels (expected 8..4096 a side)",
                         ow * factor, oh * factor);
    /* A1111's strength is a Python float: 0.6, not the fp32 0.60000002 (3 / 0.6f would give 4) */
    double s = round((double)h->strength * 1e6) / 1e6;
    s = s < 0.999 ? s : 0.999;
    int total = (int)((double)h->steps / s);
    if (total > 1000)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "hires: %d steps at strength %g make a %d-step schedule (at most 1000)",
                         h->steps, (double)h->strength, total);
    *out = (hires_plan){.width = (int)(ow * factor), .height = (int)(oh * factor), .th = (int)th, .tw = (int)tw,
                        .y0 = (int)(trunc_h / 2), .x0 = (int)(trunc_w / 2), .total_steps = total};
    return PIXEEN_OK;
}

/* The latent upscalers: first-pass latents -> the second pass's start, one dispatch. */
static pixeen_status upscale_latents(gpu_context *ctx, const txt2img_result *first, const hires_plan *p,
                                     op_latent_upscale_mode mode, int factor, tensor *out) {
    const tensor *in = &first->latents;
    const int64_t shape[4] = {in->shape[0], p->height / factor, p->width / factor, in->shape[3]};
    PX_TRY(run_tensor_create(ctx, DTYPE_F32, 4, shape, "hires latents", out));
    gpu_recorder *rec = NULL;
    PX_TRY(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_latent_upscale_record(rec, in, p->th, p->tw, p->y0, p->x0, mode, out);
    pixeen_status st = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    gpu_recorder_destroy(rec);
    return st;
}

/* The Lanczos upscaler: the first image (RGBA8 on the GPU) -> resized -> [-1, 1] floats. */
static pixeen_status upscale_image(gpu_context *ctx, const txt2img_result *first, const hires_plan *p, int factor,
                                   tensor *out) {
    const int64_t shape[4] = {first->batch, p->height, p->width, 3};
    PX_TRY(run_tensor_create(ctx, DTYPE_F32, 4, shape, "hires pixels", out));
    op_picture src = {.buffer = first->rgba, .width = (uint32_t)first->width, .height = (uint32_t)first->height,
                      .images = (uint32_t)first->batch};
    return picture_gpu_convert(ctx, &src, p->tw * factor, p->th * factor, (uint32_t)(p->x0 * factor),
                               (uint32_t)(p->y0 * factor), false, out);
}

pixeen_status hires_run(sd_model *m, const txt2img_request *req, const hires_request *h, txt2img_result *out) {
    memset(out, 0, sizeof *out);
    const int factor = model_vae_config(m->files)->downscale;
    if (req->edit)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "hires: the hires fix follows text to image, not an edit (drop the init image)");
    hires_plan plan;
    PX_TRY(hires_plan_make(req->width, req->height, factor, h, &plan));
    const bool latent = h->upscaler != HIRES_LANCZOS;
    const int total = req->sampler.steps + h->steps;

    txt2img_request first = *req;
    first.keep_latents = latent;
    first.skip_decode = latent; /* A1111 decodes only for an image upscaler */
    first.step_total = total;
    txt2img_result r1;
    PX_TRY(txt2img_run(m, &first, &r1));

    tensor start = {0};
    pixeen_status st = latent ? upscale_latents(m->ctx, &r1, &plan, h->upscaler == HIRES_LATENT_NEAREST ? OP_LATENT_NEAREST
                                                                                                        : OP_LATENT_BILINEAR,
                                                factor, &start)
                              : upscale_image(m->ctx, &r1, &plan, factor, &start);
    txt2img_result_free(&r1); /* wiped: it is the first image */

    edit_request edit = {.strength = h->strength, .run_steps = h->steps};
    if (latent) edit.latents = &start;
    else edit.pixels = &start;
    txt2img_request second = *req;
    second.width = plan.width;
    second.height = plan.height;
    second.sampler.steps = plan.total_steps;
    second.edit = &edit;
    second.init_noise = NULL;
    second.step_noise = NULL;
    second.step_offset = req->sampler.steps;
    second.step_total = total;
    if (st == PIXEEN_OK) st = txt2img_run(m, &second, out);
    gpu_buffer_destroy_wiped(start.buffer);
    return st;
}
