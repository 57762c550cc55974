/* parity_test.h — what the parity tests share: reading the fixtures' reference arrays (raw
 * little-endian fp32, see ../shared/fixtures/README.md) and scheduler configs, NCHW -> NHWC on the
 * host, running one network graph, and the fixtures README's two metrics with its tolerances:
 *   networks:  max|gpu - ref| / max|ref|             < 1e-3 (fp32), 1e-2 (fp16 activations)
 *   pipelines: final latents relative L2             < 1e-3 (fp32), 3e-2 (fp16)
 *              image mean |diff| on [0, 1]           < 1/255 (fp32), 4/255 (fp16)
 * A file that cannot be read ends the test (exit 1) naming it: a missing fixture is a failure. */
#ifndef PIXEEN_PARITY_TEST_H
#define PIXEEN_PARITY_TEST_H

#include "gpu_test.h"
#include "models/nn.h"
#include "pipeline/sd_model.h"
#include "pipeline/txt2img.h"
#include "sample/schedule.h"

#define PARITY_NET_TOL(act) ((act) == DTYPE_F16 ? 1e-2 : 1e-3)

static inline const char *parity_act_name(tensor_dtype act) { return act == DTYPE_F16 ? "fp16" : "fp32"; }

/* `count` floats from a file: `path` absolute, or relative to tests/data when it does not start
 * with '/'. */
static inline float *parity_read_floats(const char *path, size_t count) {
    char full[4096];
    snprintf(full, sizeof full, "%s", path[0] == '/' ? path : test_data_path(path));
    FILE *f = fopen(full, "rb");
    float *data = malloc(count * 4);
    if (!f || !data || fread(data, 4, count, f) != count) {
        fprintf(stderr, "cannot read %s (%zu values)\n", full, count);
        exit(1);
    }
    fclose(f);
    return data;
}

/* <ref_dir>/<name>.bin, ref_dir as parity_read_floats' path (e.g. "sd15-tiny/ref"). */
static inline float *parity_read_ref(const char *ref_dir, const char *name, size_t count) {
    char rel[1024];
    if (snprintf(rel, sizeof rel, "%s/%s.bin", ref_dir, name) >= (int)sizeof rel) {
        fprintf(stderr, "reference path too long: %s/%s.bin\n", ref_dir, name);
        exit(1);
    }
    return parity_read_floats(rel, count);
}

/* A diffusers scheduler_config.json (path as parity_read_floats) into *cfg. */
static inline void parity_load_schedule(const char *path, schedule_config *cfg) {
    char full[4096], text[8192];
    snprintf(full, sizeof full, "%s", path[0] == '/' ? path : test_data_path(path));
    FILE *f = fopen(full, "rb");
    size_t len = f ? fread(text, 1, sizeof text, f) : 0;
    if (f) fclose(f);
    if (len == 0) fprintf(stderr, "cannot read %s\n", full);
    CHECK(len > 0);
    CHECK_OK(schedule_config_parse(text, len, cfg));
}

/* NCHW -> NHWC (test inputs and outputs only; the pipeline converts on the GPU). */
static inline void parity_nchw_to_nhwc(const float *in, float *out, int64_t B, int64_t C, int64_t H, int64_t W) {
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < H * W; i++) out[(b * H * W + i) * C + c] = in[(b * C + c) * H * W + i];
}

/* max|got - ref| / max|ref|; a NaN counts as infinitely wrong. */
static inline double parity_max_rel(const float *got, const float *ref, size_t n) {
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (isnan(got[i])) d = INFINITY;
        if (d > worst) worst = d;
        if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    return worst / scale;
}

/* Plans and records a graph on weights `w`, runs it once, reads its output back into `out`. */
static inline void parity_run_graph(gpu_context *ctx, const nn_weights *w, tensor_dtype act, nn_build_fn build,
                                    void *user, float *out, size_t out_count) {
    nn_program prog;
    CHECK_OK(nn_program_build(ctx, w, act, build, user, &prog));
    if (!prog.rec) return;
    CHECK_OK(gpu_recorder_submit(prog.rec));
    CHECK((size_t)tensor_count(&prog.output) == out_count);
    if ((size_t)tensor_count(&prog.output) == out_count) gpu_test_read(ctx, &prog.output, out);
    nn_program_free(&prog);
}

/* A graph input: an fp32 host array uploaded into its own buffer, in `dtype`, with this shape. */
static inline tensor parity_input_tensor(gpu_context *ctx, tensor_dtype dtype, const float *data, uint32_t rank,
                                         const int64_t *shape) {
    tensor t = {0};
    t.dtype = dtype;
    t.rank = rank;
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    tensor flat = gpu_test_tensor(ctx, dtype, data, tensor_count(&t));
    t.buffer = flat.buffer;
    return t;
}

/* A pipeline's final latents (n values) and image (img_n values of decode/2 + 0.5, clamped to
 * [0, 1], as the fixtures store it) against the references, within the README's tolerances for
 * `act`. Prints one line starting with `label`. */
static inline void parity_check_pipeline(const char *label, tensor_dtype act, const txt2img_result *res,
                                         const float *ref_latents, size_t n, const float *ref_image, size_t img_n) {
    if (!res->debug_latents || !res->debug_image) {
        fprintf(stderr, "%s: the run kept no debug latents or image\n", label);
        CHECK(0);
        return;
    }
    double err2 = 0, ref2 = 0, img_err = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)res->debug_latents[i] - ref_latents[i];
        err2 += d * d;
        ref2 += (double)ref_latents[i] * ref_latents[i];
    }
    for (size_t i = 0; i < img_n; i++) {
        double v = res->debug_image[i] / 2.0 + 0.5;
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        img_err += fabs(v - ref_image[i]);
    }
    double rel_l2 = sqrt(err2 / ref2), mean_abs = img_err / (double)img_n;
    double tol_l2 = act == DTYPE_F16 ? 3e-2 : 1e-3, tol_img = (act == DTYPE_F16 ? 4.0 : 1.0) / 255.0;
    printf("%s %s: latents rel L2 %.3g (tol %.0e), image mean |diff| %.3g (tol %.3g)\n", label, parity_act_name(act),
           rel_l2, tol_l2, mean_abs, tol_img);
    CHECK(rel_l2 < tol_l2);
    CHECK(mean_abs < tol_img);
}

/* The fixtures' pipeline case `name` (euler, euler_a, dpmpp2m_karras_zero: files
 * <ref_dir>/pipe_<name>_32_*.bin) on a loaded model whose schedule the caller has set: 64x64,
 * 4 steps, guidance 7.5, seed 1234, the fixture's initial noise (and Euler a's ancestral noise),
 * checked by parity_check_pipeline. */
static inline void parity_pipeline_case(sd_model *m, const char *ref_dir, const char *name, sampler_kind kind,
                                        sampler_karras karras, const char *label) {
    const size_t n = 4 * 32 * 32, img_n = 64 * 64 * 3;
    char key[128];
    snprintf(key, sizeof key, "pipe_%s_32_init_latents", name);
    float *init = parity_read_ref(ref_dir, key, n);
    snprintf(key, sizeof key, "pipe_%s_32_final_latents", name);
    float *ref_latents = parity_read_ref(ref_dir, key, n);
    snprintf(key, sizeof key, "pipe_%s_32_image", name);
    float *ref_image = parity_read_ref(ref_dir, key, img_n);
    snprintf(key, sizeof key, "pipe_%s_32_ancestral_noise", name);
    float *noise = kind == SAMPLER_EULER_A ? parity_read_ref(ref_dir, key, 4 * n) : NULL;
    txt2img_request req = {
        .prompt = "a photograph of an astronaut riding a horse",
        .negative_prompt = "blurry, low quality",
        .width = 64,
        .height = 64,
        .batch = 1,
        .clip_skip = 1,
        .guidance = 7.5f,
        .seed = 1234,
        .rng = RNG_TORCH_CPU,
        .sampler = {.kind = kind, .steps = 4, .karras = karras},
        .init_noise = init,
        .step_noise = noise,
        .keep_debug = 1,
    };
    txt2img_result res;
    CHECK_OK(txt2img_run(m, &req, &res));
    if (res.debug_latents) parity_check_pipeline(label, m->act, &res, ref_latents, n, ref_image, img_n);
    txt2img_result_free(&res);
    free(init);
    free(ref_latents);
    free(ref_image);
    free(noise);
}

#endif
