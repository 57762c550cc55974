/* test_api_hires.c — the hires fix (pixeen_generate_more.hires, src/pipeline/hires.c) on the tiny
 * SD 1.x model, fp32:
 *   - the Lanczos upscaler equals its composition by hand through the public API: txt2img, the
 *     image read back, loaded as an RGBA8 picture, img2img at the larger size (the host's Lanczos)
 *     with the same seed, A1111's step rule spelled out (steps / strength steps, strength);
 *     the only difference allowed is the GPU Lanczos's rare one-level roundings
 *     (test_op_picture), measured here as image mean |diff|;
 *   - the latent upscaler equals its composition by hand through the pipeline: txt2img keeping its
 *     latents, torch's bilinear interpolate on the host (ref_latent_upscale), img2img from
 *     those latents: bit for bit;
 *   - deterministic; progress counts both passes; previews follow the second pass's size;
 *   - A1111's size and step rules (hires_plan_make) on cases worked by hand;
 *   - misuse: with edit, strength, scale, upscaler, sizes over the limit — refused before any GPU work. */
#include <math.h>

#include "api/internal.h"
#include "api_test.h"
#include "ops/picture_ops.h"
#include "ops/reference_picture_ops.h"
#include "pipeline/hires.h"
#include "pipeline/run_tensor.h"

#define SEED 1234

static pixeen_generate_desc first_pass(void) {
    return (pixeen_generate_desc){.prompt = "a red lighthouse on a rocky coast", .negative_prompt = "blurry",
                                  .width = 16, .height = 16, .steps = 4, .seed = SEED,
                                  .sampler = PIXEEN_SAMPLER_EULER_A, .schedule = PIXEEN_SCHEDULE_DISCRETE};
}

static uint8_t *read_image(pixeen_image *image, int *w, int *h) {
    pixeen_image_info info;
    CHECK_OK(pixeen_image_get_info(image, &info));
    *w = info.width;
    *h = info.height;
    size_t n = (size_t)info.width * info.height * 4;
    uint8_t *px = malloc(n);
    CHECK_OK(pixeen_image_read(image, 0, px, n));
    return px;
}

static double mean_diff(const uint8_t *a, const uint8_t *b, size_t pixels, int *worst) {
    double sum = 0;
    *worst = 0;
    for (size_t i = 0; i < pixels; i++)
        for (int c = 0; c < 3; c++) {
            int d = abs((int)a[i * 4 + c] - (int)b[i * 4 + c]);
            sum += d;
            *worst = d > *worst ? d : *worst;
        }
    return sum / (double)(pixels * 3) / 255.0;
}

static void test_lanczos_composition(pixeen_model *pm) {
    pixeen_hires_desc hires = {.steps = 4, .strength = 0.5f, .upscaler = PIXEEN_HIRES_UPSCALER_LANCZOS};
    pixeen_generate_more more = {.hires = &hires};
    pixeen_generate_desc g = first_pass();
    g.more = &more;
    pixeen_image *fixed = NULL;
    CHECK_OK(pixeen_generate(pm, &g, &fixed));
    int w = 0, h = 0;
    uint8_t *got = fixed ? read_image(fixed, &w, &h) : NULL;
    CHECK(w == 32 && h == 32);

    /* by hand: txt2img, read it back, img2img at 32x32 from it */
    pixeen_generate_desc t = first_pass();
    pixeen_image *small = NULL;
    CHECK_OK(pixeen_generate(pm, &t, &small));
    int sw = 0, sh = 0;
    uint8_t *first = small ? read_image(small, &sw, &sh) : NULL;
    pixeen_picture *pic = NULL;
    CHECK_OK(pixeen_picture_load(&(pixeen_picture_desc){.rgba = first, .width = sw, .height = sh}, &pic));
    pixeen_edit_desc edit = {.init_image = pic, .strength = 0.5f};
    pixeen_generate_desc i2i = first_pass();
    i2i.width = i2i.height = 32;
    i2i.steps = 8; /* A1111: int(4 / 0.5) steps, of which the last int(8 * 0.5) = 4 run */
    i2i.edit = &edit;
    pixeen_image *by_hand = NULL;
    CHECK_OK(pixeen_generate(pm, &i2i, &by_hand));
    int hw = 0, hh = 0;
    uint8_t *want = by_hand ? read_image(by_hand, &hw, &hh) : NULL;
    if (got && want && hw == w && hh == h) {
        int worst = 0;
        double mean = mean_diff(got, want, (size_t)w * h, &worst);
        printf("hires lanczos vs txt2img + img2img by hand: image mean |diff| %.3g (max %d levels)\n", mean, worst);
        CHECK(mean < 0.5 / 255.0);
        /* and it is not the first image merely resized: the second pass ran */
        CHECK(memcmp(got, first, (size_t)sw * sh * 4) != 0);
    } else {
        CHECK(!"both hires images exist and are 32x32");
    }
    free(got), free(first), free(want);
    pixeen_picture_destroy(pic);
    pixeen_image_destroy(fixed), pixeen_image_destroy(small), pixeen_image_destroy(by_hand);
}

/* The pipeline's request for first_pass() (what pixeen_generate resolves it to). */
static txt2img_request pipeline_request(void) {
    return (txt2img_request){.prompt = "a red lighthouse on a rocky coast", .negative_prompt = "blurry", .width = 16,
                             .height = 16, .batch = 1, .clip_skip = 1, .guidance = 7.5f, .seed = SEED,
                             .rng = RNG_TORCH_CPU,
                             .sampler = {.kind = SAMPLER_EULER_A, .steps = 4, .karras = SAMPLER_KARRAS_OFF}};
}

static void test_latent_composition(pixeen_model *pm) {
    pixeen_hires_desc hires = {.steps = 3, .strength = 0.6f};
    pixeen_generate_more more = {.hires = &hires};
    pixeen_generate_desc g = first_pass();
    g.more = &more;
    pixeen_image *a = NULL, *b = NULL;
    CHECK_OK(pixeen_generate(pm, &g, &a));
    CHECK_OK(pixeen_generate(pm, &g, &b));
    int w = 0, h = 0, w2 = 0, h2 = 0;
    uint8_t *pa = a ? read_image(a, &w, &h) : NULL, *pb = b ? read_image(b, &w2, &h2) : NULL;
    CHECK(pa && pb && w == 32 && h == 32 && !memcmp(pa, pb, (size_t)w * h * 4)); /* deterministic */

    /* by hand through the pipeline: txt2img keeping the latents, the upscale on the host, img2img */
    sd_model *m = pm->sd;
    txt2img_request r = pipeline_request();
    r.keep_latents = r.skip_decode = true;
    txt2img_result first = {0}, second = {0};
    CHECK_OK(txt2img_run(m, &r, &first));
    const int64_t C = first.latents.shape[3], lh = first.latents.shape[1], lw = first.latents.shape[2];
    size_t n1 = (size_t)(lh * lw * C), n2 = n1 * 4;
    float *lat = malloc(n1 * 4), *up = malloc(n2 * 4);
    CHECK_OK(gpu_buffer_download(m->ctx, first.latents.buffer, 0, lat, n1 * 4));
    ref_latent_upscale(lat, 1, lh, lw, C, 2 * lh, 2 * lw, 0, 0, 2 * lh, 2 * lw, OP_LATENT_BILINEAR, up);
    tensor start = {0};
    CHECK_OK(run_tensor_create(m->ctx, DTYPE_F32, 4, (const int64_t[]){1, 2 * lh, 2 * lw, C}, "start", &start));
    CHECK_OK(gpu_buffer_upload(m->ctx, start.buffer, 0, up, n2 * 4));
    edit_request edit = {.latents = &start, .strength = 0.6f, .run_steps = 3};
    txt2img_request r2 = pipeline_request();
    r2.width = r2.height = 32;
    r2.sampler.steps = 5; /* int(3 / 0.6) */
    r2.edit = &edit;
    CHECK_OK(txt2img_run(m, &r2, &second));
    uint8_t *want = malloc((size_t)32 * 32 * 4);
    CHECK_OK(gpu_buffer_download(m->ctx, second.rgba, 0, want, (size_t)32 * 32 * 4));
    if (pa && w == 32 && h == 32) {
        int worst = 0;
        double mean = mean_diff(pa, want, 32 * 32, &worst);
        printf("hires latent vs txt2img + host upscale + img2img by hand: image mean |diff| %.3g (max %d levels)\n", mean, worst);
        CHECK(worst == 0);
    }
    txt2img_result_free(&first), txt2img_result_free(&second);
    gpu_buffer_destroy(start.buffer);
    free(lat), free(up), free(want), free(pa), free(pb);
    pixeen_image_destroy(a), pixeen_image_destroy(b);
}

typedef struct seen {
    int calls, last_step, last_total, monotonic;
    int preview_widths[16], previews;
} seen;

static void on_progress(int step, int total, double elapsed, void *user) {
    (void)elapsed;
    seen *s = user;
    if (step <= s->last_step) s->monotonic = 0;
    s->calls++;
    s->last_step = step;
    s->last_total = total;
}

static void on_preview(const uint8_t *rgb, int width, int height, int step, int total, void *user) {
    (void)rgb, (void)height, (void)step, (void)total;
    seen *s = user;
    if (s->previews < 16) s->preview_widths[s->previews] = width;
    s->previews++;
}

static void test_progress_and_previews(pixeen_model *pm) {
    pixeen_hires_desc hires = {.steps = 2, .upscaler = PIXEEN_HIRES_UPSCALER_LATENT_NEAREST};
    pixeen_generate_more more = {.hires = &hires};
    pixeen_generate_desc g = first_pass();
    seen s = {.monotonic = 1};
    g.more = &more;
    g.steps = 3;
    g.progress = on_progress;
    g.progress_user = &s;
    g.preview = on_preview;
    g.preview_user = &s;
    pixeen_image *image = NULL;
    CHECK_OK(pixeen_generate(pm, &g, &image));
    printf("hires progress: %d calls, last %d/%d; previews %d, widths %d then %d\n", s.calls, s.last_step, s.last_total,
           s.previews, s.preview_widths[0], s.preview_widths[s.previews > 0 ? s.previews - 1 : 0]);
    CHECK(s.calls == 5 && s.last_step == 5 && s.last_total == 5 && s.monotonic);
    /* linear previews at latent size: 8 wide in the first pass (16 / 2), 16 in the second */
    CHECK(s.previews == 5 && s.preview_widths[0] == 8 && s.preview_widths[2] == 8 && s.preview_widths[3] == 16 &&
          s.preview_widths[4] == 16);
    pixeen_image_destroy(image);
}

/* A batch: each image of the first pass upscaled and encoded on its own (Lanczos: B distinct
 * pictures, one [B, C, h, w] sample draw), deterministic, the images distinct. */
static void test_batch(pixeen_model *pm) {
    for (int u = 0; u < 2; u++) {
        pixeen_hires_desc hires = {.steps = 2, .upscaler = u ? PIXEEN_HIRES_UPSCALER_LANCZOS : PIXEEN_HIRES_UPSCALER_LATENT};
        pixeen_generate_more more = {.hires = &hires};
        pixeen_generate_desc g = first_pass();
        g.steps = 2;
        g.batch = 2;
        g.more = &more;
        pixeen_image *a = NULL, *b = NULL;
        CHECK_OK(pixeen_generate(pm, &g, &a));
        CHECK_OK(pixeen_generate(pm, &g, &b));
        pixeen_image_info info = {0};
        if (a) pixeen_image_get_info(a, &info);
        CHECK(info.count == 2 && info.width == 32 && info.height == 32);
        uint8_t pa[2][32 * 32 * 4], pb[32 * 32 * 4];
        bool same_run = true;
        for (int i = 0; a && b && i < 2; i++) {
            CHECK_OK(pixeen_image_read(a, i, pa[i], sizeof pa[i]));
            CHECK_OK(pixeen_image_read(b, i, pb, sizeof pb));
            same_run &= !memcmp(pa[i], pb, sizeof pb);
        }
        printf("hires %s batch 2: deterministic %d, images distinct %d\n", u ? "lanczos" : "latent", same_run,
               memcmp(pa[0], pa[1], sizeof pa[0]) != 0);
        CHECK(same_run && memcmp(pa[0], pa[1], sizeof pa[0]) != 0);
        pixeen_image_destroy(a), pixeen_image_destroy(b);
    }
}

static void test_plan_rules(void) {
    hires_plan p;
    /* A1111 calculate_target_resolution: 512x768 to 1024x1024 keeps the aspect (1024x1536), then
     * truncate_y = (1536 - 1024) // 8 = 64 latent rows, 32 from the top */
    CHECK_OK(hires_plan_make(512, 768, 8, &(hires_request){.width = 1024, .height = 1024, .steps = 10, .strength = 0.7f}, &p));
    CHECK(p.width == 1024 && p.height == 1024 && p.tw == 128 && p.th == 192 && p.x0 == 0 && p.y0 == 32);
    CHECK(p.total_steps == 14); /* int(10 / 0.7) */
    CHECK_OK(hires_plan_make(512, 768, 8, &(hires_request){.width = 1000, .steps = 10, .strength = 1.0f}, &p));
    CHECK(p.width == 1000 && p.height == 1496 && p.total_steps == 10); /* 1500 // 8 * 8; int(10 / 0.999) */
    CHECK_OK(hires_plan_make(520, 520, 8, &(hires_request){.scale = 1.5f, .steps = 20, .strength = 0.7f}, &p));
    CHECK(p.width == 776 && p.height == 776 && p.total_steps == 28); /* int(520 * 1.5) = 780 -> 97 latents */
    CHECK_STATUS(hires_plan_make(2048, 2048, 8, &(hires_request){.scale = 4.0f, .steps = 10, .strength = 0.7f}, &p),
                 PIXEEN_ERROR_INVALID_ARGUMENT); /* 8192 */
    CHECK_OK(hires_plan_make(64, 64, 8, &(hires_request){.scale = 2.0f, .steps = 3, .strength = 0.6f}, &p));
    CHECK(p.total_steps == 5); /* int(3 / 0.6) with 0.6 as A1111 has it, not fp32's 0.60000002 */
    CHECK_STATUS(hires_plan_make(512, 512, 8, &(hires_request){.scale = 2.0f, .steps = 900, .strength = 0.5f}, &p),
                 PIXEEN_ERROR_INVALID_ARGUMENT); /* a 1800-step schedule */
}

static void test_misuse(pixeen_context *ctx, pixeen_model *pm) {
    uint8_t px[16 * 16 * 4] = {0};
    pixeen_picture *pic = NULL;
    CHECK_OK(pixeen_picture_load(&(pixeen_picture_desc){.rgba = px, .width = 16, .height = 16}, &pic));
    pixeen_edit_desc edit = {.init_image = pic};
    const struct {
        pixeen_hires_desc h;
        bool with_edit;
        const char *needle;
    } bad[] = {
        {{.strength = 1.5f}, false, "hires strength"},
        {{.strength = NAN}, false, "hires strength"},
        {{.scale = -1.0f}, false, "hires scale"},
        {{.scale = 100.0f}, false, "hires scale"},
        {{.upscaler = (pixeen_hires_upscaler)7}, false, "unknown hires upscaler"},
        {{.width = 5000}, false, "hires size"},
        {{.scale = 16.0f}, false, "8..4096"}, /* 32 * 16 = 512: fine; see below for the limit */
        {{.steps = 1001}, false, "hires steps"},
        {{.steps = 0}, true, "does not go with edit"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pixeen_hires_desc h = bad[i].h;
        pixeen_generate_more more = {.hires = &h};
        pixeen_generate_desc g = first_pass();
        g.more = &more;
        if (i == 6) g.width = g.height = 512; /* 512 * 16 = 8192: over the limit */
        if (bad[i].with_edit) g.edit = &edit;
        pixeen_image *image = NULL;
        pixeen_status st = pixeen_generate(pm, &g, &image);
        bool ok = st == PIXEEN_ERROR_INVALID_ARGUMENT && !image && strstr(pixeen_context_last_error(ctx), bad[i].needle);
        if (!ok) fprintf(stderr, "case %zu: %s: %s\n", i, pixeen_status_string(st), pixeen_context_last_error(ctx));
        CHECK(ok);
        pixeen_image_destroy(image);
    }
    pixeen_picture_destroy(pic);
}

int main(void) {
    test_plan_rules();
    pixeen_context *ctx = api_test_context();
    char path[4096], tokenizer_dir[4096];
    snprintf(path, sizeof path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    snprintf(tokenizer_dir, sizeof tokenizer_dir, "%s", test_data_path("sd15-tiny/model/tokenizer"));
    pixeen_model *pm = NULL;
    CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = path, .tokenizer_dir = tokenizer_dir,
                                                         .precision = PIXEEN_PRECISION_FP32}, &pm));
    if (!pm) return test_finish();
    test_misuse(ctx, pm);
    test_lanczos_composition(pm);
    test_latent_composition(pm);
    test_progress_and_previews(pm);
    test_batch(pm);
    pixeen_model_destroy(pm);
    pixeen_context_destroy(ctx);
    return test_finish();
}
