/* test_lora.c — LoRA merged into the GPU weights, end to end on the tiny SD 1.5 model (fp32):
 *  - the fixture's kohya LoRA at 0.8 through a <lora:NAME:0.8> tag: image within 1/255 (mean) of
 *    diffusers' fuse_lora(0.8) pipeline (tests/data/lora/ref); the same LoRA rewritten in
 *    diffusers/PEFT names (lora_A/lora_B, no alpha, weight 0.4 = 0.8 * 2 / 4) merges to the same
 *    weights bit for bit (the request's list, --lora, is checked through the CLI in test_cli_lora);
 *  - merged weights equal the plain-C reference (ref_lora_merge) for a linear layer and a 1x1
 *    convolution, and for a crafted LoCon module on a 3x3 convolution (conv_in);
 *  - without LoRA every weight is back bit for bit (so the no-LoRA pipeline is test_pipeline_parity's);
 *  - a module whose shape does not fit is an error naming it and both shapes, after which the
 *    originals are back; modules that name no layer are skipped.
 * Timings of apply and restore are printed (never asserted). */

#include "core/clock.h"
#include "gpu_test.h"
#include "models/lora.h"
#include "models/lora_file.h"
#include "models/lora_names.h"
#include "ops/reference_lora_merge.h"
#include "pipeline/txt2img.h"
#include "st_write.h"

static char lora_dir[2048], lora_path[4096], scratch[64];

static double now_ms(void) { return clock_wall_seconds() * 1e3; }

static float *read_floats(const char *rel, size_t count) {
    FILE *f = fopen(test_data_path(rel), "rb");
    float *data = malloc(count * 4);
    if (!f || fread(data, 4, count, f) != count) {
        fprintf(stderr, "cannot read %s\n", rel);
        exit(1);
    }
    fclose(f);
    return data;
}

/* Every weight of the text encoder and the UNet, as stored on the GPU. */
typedef struct snapshot {
    uint16_t *data[MODEL_COMPONENT_COUNT];
} snapshot;

static void take(sd_model *m, snapshot *s) {
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        uint64_t total = 0;
        for (size_t i = 0; i < m->weights[c].count; i++) total += tensor_bytes(&m->weights[c].items[i].t);
        s->data[c] = malloc(total ? total : 1);
        uint64_t at = 0;
        for (size_t i = 0; i < m->weights[c].count; i++) {
            const tensor *t = &m->weights[c].items[i].t;
            CHECK_OK(gpu_buffer_download(m->ctx, t->buffer, t->offset, (uint8_t *)s->data[c] + at, tensor_bytes(t)));
            at += tensor_bytes(t);
        }
    }
}

static bool same_snapshot(const sd_model *m, const snapshot *a, const snapshot *b) {
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        uint64_t total = 0;
        for (size_t i = 0; i < m->weights[c].count; i++) total += tensor_bytes(&m->weights[c].items[i].t);
        if (total && memcmp(a->data[c], b->data[c], total)) return false;
    }
    return true;
}

static void drop(snapshot *s) {
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) free(s->data[c]);
}

static const tensor *weight(sd_model *m, model_component c, const char *name) {
    for (size_t i = 0; i < m->weights[c].count; i++)
        if (!strcmp(m->weights[c].items[i].name, name)) return &m->weights[c].items[i].t;
    return NULL;
}

static uint16_t *download(sd_model *m, const tensor *t) {
    uint16_t *d = malloc(tensor_bytes(t));
    CHECK_OK(gpu_buffer_download(m->ctx, t->buffer, t->offset, d, tensor_bytes(t)));
    return d;
}

static txt2img_request request(const char *prompt) {
    return (txt2img_request){.prompt = prompt, .negative_prompt = "blurry, low quality", .width = 64, .height = 64,
                             .batch = 1, .clip_skip = 1, .guidance = 7.5f, .seed = 1234, .rng = RNG_TORCH_CPU,
                             .sampler = {.kind = SAMPLER_EULER, .steps = 4, .karras = SAMPLER_KARRAS_OFF},
                             .lora_dir = lora_dir, .keep_debug = 1};
}

/* Runs a request; returns the image's mean |diff| to `ref` (the [0, 1] NHWC image) and its RGBA8. */
static double run(sd_model *m, const txt2img_request *req, const float *ref, uint8_t *rgba) {
    txt2img_result res;
    pixeen_status st = txt2img_run(m, req, &res);
    CHECK_OK(st);
    if (st != PIXEEN_OK) return 1e9;
    double err = 0;
    for (size_t i = 0; i < 64 * 64 * 3; i++) {
        double v = res.debug_image[i] / 2.0 + 0.5;
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        err += fabs(v - ref[i]);
    }
    CHECK_OK(gpu_buffer_download(m->ctx, res.rgba, 0, rgba, 64 * 64 * 4));
    txt2img_result_free(&res);
    return err / (64 * 64 * 3);
}

/* The fixture rewritten with diffusers/PEFT names and no alpha. */
static void write_peft(const model *files, const char *path) {
    lora_file *f = NULL;
    lora_name_map *map = NULL;
    CHECK_OK(lora_file_open(lora_path, &f));
    CHECK_OK(lora_name_map_build(files, &map));
    if (!f || !map) return;
    st_entry *e = calloc(f->count * 2, sizeof *e);
    char (*names)[256] = calloc(f->count * 2, sizeof *names);
    float **vals = calloc(f->count * 2, sizeof *vals);
    for (size_t i = 0; i < f->count; i++) {
        model_component c;
        const char *w;
        CHECK(lora_name_map_find(map, f->modules[i].base, &c, &w));
        const safetensors_tensor *half[2] = {f->modules[i].down, f->modules[i].up};
        for (int h = 0; h < 2; h++) {
            size_t k = i * 2 + (size_t)h;
            snprintf(names[k], sizeof names[k], "%s%.*s.lora_%s.weight", c == MODEL_UNET ? "unet." : "text_encoder.",
                     (int)(strlen(w) - 7), w, h ? "B" : "A");
            vals[k] = malloc(half[h]->n_elements * 4);
            CHECK_OK(safetensors_read_f32(f->file, half[h], 0, half[h]->n_elements, vals[k]));
            e[k] = (st_entry){names[k], "F16", half[h]->ndim, {0}, vals[k]};
            for (int d = 0; d < half[h]->ndim; d++) e[k].shape[d] = half[h]->shape[d];
        }
    }
    CHECK(st_write(path, e, f->count * 2));
    for (size_t k = 0; k < f->count * 2; k++) free(vals[k]);
    free(vals);
    free(names);
    free(e);
    lora_name_map_free(map);
    lora_file_close(f);
}

/* merged == ref_lora_merge(original, the file's factors) for one module, within one fp16 ulp. */
static void check_module_merge(sd_model *m, const char *file, const char *base, model_component c, const char *wname,
                               const uint16_t *original, float scale) {
    lora_file *f = NULL;
    CHECK_OK(lora_file_open(file, &f));
    const lora_module *mod = NULL;
    for (size_t i = 0; f && i < f->count; i++)
        if (!strcmp(f->modules[i].base, base)) mod = &f->modules[i];
    CHECK(mod != NULL);
    const tensor *t = weight(m, c, wname);
    CHECK(t != NULL);
    if (!mod || !t) {
        lora_file_close(f);
        return;
    }
    int64_t n = t->shape[0], k = tensor_count(t) / n, r = mod->rank;
    int64_t cin = t->rank == 4 ? t->shape[1] : k, khw = k / cin;
    float *up = malloc((size_t)(n * r) * 4), *down = malloc((size_t)(r * k) * 4), *down_gpu = malloc((size_t)(r * k) * 4);
    CHECK_OK(safetensors_read_f32(f->file, mod->up, 0, (uint64_t)(n * r), up));
    CHECK_OK(safetensors_read_f32(f->file, mod->down, 0, (uint64_t)(r * k), down));
    for (int64_t j = 0; j < r; j++) /* [R, Cin, kh*kw] -> [R, kh*kw, Cin], the GPU's kernel order */
        for (int64_t ci = 0; ci < cin; ci++)
            for (int64_t p = 0; p < khw; p++) down_gpu[(j * khw + p) * cin + ci] = down[(j * cin + ci) * khw + p];
    uint16_t *expect = malloc((size_t)(n * k) * 2);
    memcpy(expect, original, (size_t)(n * k) * 2);
    ref_lora_merge(expect, n, k, r, up, down_gpu, scale * mod->alpha / (float)r);
    uint16_t *got = download(m, t);
    size_t off = 0, changed = 0;
    for (int64_t i = 0; i < n * k; i++) {
        int a = got[i], b = expect[i];
        off += (a > b ? a - b : b - a) > 1;
        changed += got[i] != original[i];
    }
    printf("merged %-60s [%lld, %lld] rank %lld: %zu values off the reference, %zu changed\n", wname, (long long)n,
           (long long)k, (long long)r, off, changed);
    CHECK(off == 0 && changed > 0);
    free(up), free(down), free(down_gpu), free(expect), free(got);
    lora_file_close(f);
}

int main(void) {
    gpu_context *ctx = gpu_test_context();
    snprintf(lora_dir, sizeof lora_dir, "%s", test_data_path("lora"));
    snprintf(lora_path, sizeof lora_path, "%s/sd15-tiny-lora.safetensors", lora_dir);
    snprintf(scratch, sizeof scratch, "/tmp/pixeen-lora-XXXXXX");
    CHECK(mkdtemp(scratch) != NULL);
    sd_model *m = NULL;
    char model_path[4096];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    CHECK_OK(sd_model_load(ctx, model_path, test_data_path("sd15-tiny/model/tokenizer"), DTYPE_F32, &m));
    if (!m) return gpu_test_finish(ctx);
    float *ref_lora = read_floats("lora/ref/lora_euler_32_image.bin", 64 * 64 * 3);
    uint8_t *img_tag = malloc(64 * 64 * 4);
    snapshot orig = {0}, now = {0};
    take(m, &orig);
    const char *q = "mid_block.attentions.0.transformer_blocks.0.attn1.to_q.weight";
    const char *pin = "mid_block.attentions.0.proj_in.weight";
    uint16_t *orig_q = download(m, weight(m, MODEL_UNET, q)), *orig_pin = download(m, weight(m, MODEL_UNET, pin));
    uint16_t *orig_conv_in = download(m, weight(m, MODEL_UNET, "conv_in.weight"));

    /* 1. the tag, as a user writes it */
    txt2img_request req = request("a photograph of an astronaut riding a horse <lora:sd15-tiny-lora:0.8>");
    double t0 = now_ms();
    double e = run(m, &req, ref_lora, img_tag);
    printf("kohya LoRA at 0.8 by tag: image mean |diff| %.3g (tol %.3g), %zu modules merged (run %.0f ms)\n", e,
           1.0 / 255, lora_state_merged_modules(m->lora), now_ms() - t0);
    CHECK(e < 1.0 / 255);
    CHECK(lora_state_merged_modules(m->lora) == 102);
    check_module_merge(m, lora_path, "lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q", MODEL_UNET, q,
                       orig_q, 0.8f);
    check_module_merge(m, lora_path, "lora_unet_mid_block_attentions_0_proj_in", MODEL_UNET, pin, orig_pin, 0.8f);

    /* 2. diffusers / PEFT names, no alpha (alpha = rank): weight 0.4 is the same update, bit for bit */
    snapshot kohya = {0};
    take(m, &kohya);
    char peft[256];
    snprintf(peft, sizeof peft, "%s/peft.safetensors", scratch);
    write_peft(m->files, peft);
    lora_request p = {peft, 0.4f, 0.4f};
    CHECK_OK(lora_apply(ctx, m->files, m->weights, &m->lora, &p, 1));
    CHECK(lora_state_merged_modules(m->lora) == 102);
    take(m, &now);
    printf("the same LoRA in PEFT names at 0.4 merges to the same weights as kohya's at 0.8: %s\n",
           same_snapshot(m, &kohya, &now) ? "yes" : "no");
    CHECK(same_snapshot(m, &kohya, &now));
    drop(&now);
    drop(&kohya);

    /* 3. no LoRA: every original weight back, bit for bit */
    CHECK_OK(lora_apply(ctx, m->files, m->weights, &m->lora, NULL, 0));
    take(m, &now);
    printf("no LoRA after LoRAs: weights restored exactly: %s\n", same_snapshot(m, &orig, &now) ? "yes" : "no");
    CHECK(same_snapshot(m, &orig, &now));
    drop(&now);
    lora_request one = {lora_path, 0.8f, 0.8f};

    /* 5. LoCon on a 3x3 convolution, a 1x1 convolution, an unknown module, merged without a run */
    const tensor *ci = weight(m, MODEL_UNET, "conv_in.weight");
    int64_t cout = ci->shape[0], cin = ci->shape[1];
    float v[4096];
    test_fill_random(v, 4096, 7, -0.5f, 0.5f);
    st_entry locon[] = {{"lora_unet_conv_in.alpha", "F32", 0, {0}, (const float[]){1.0f}},
                        {"lora_unet_conv_in.lora_down.weight", "F16", 4, {2, cin, 3, 3}, v},
                        {"lora_unet_conv_in.lora_up.weight", "F16", 4, {cout, 2, 1, 1}, v + 1000},
                        {"lora_unet_not_a_layer.lora_down.weight", "F16", 2, {2, 8}, v},
                        {"lora_unet_not_a_layer.lora_up.weight", "F16", 2, {8, 2}, v}};
    char locon_path[256];
    snprintf(locon_path, sizeof locon_path, "%s/locon.safetensors", scratch);
    CHECK(st_write(locon_path, locon, 5));
    lora_request lc = {locon_path, 1.0f, 0.7f};
    t0 = now_ms();
    CHECK_OK(lora_apply(ctx, m->files, m->weights, &m->lora, &lc, 1));
    double t_apply = now_ms() - t0;
    CHECK(lora_state_merged_modules(m->lora) == 1); /* not_a_layer skipped with a warning */
    check_module_merge(m, locon_path, "lora_unet_conv_in", MODEL_UNET, "conv_in.weight", orig_conv_in, 0.7f);
    t0 = now_ms();
    CHECK_OK(lora_restore(ctx, m->lora));
    double t_restore = now_ms() - t0;
    take(m, &now);
    CHECK(same_snapshot(m, &orig, &now));
    drop(&now);
    /* the fixture: apply / switch / restore cost (tiny weights: this is overhead, not bandwidth) */
    t0 = now_ms();
    CHECK_OK(lora_apply(ctx, m->files, m->weights, &m->lora, &one, 1));
    double t_fixture = now_ms() - t0;
    t0 = now_ms();
    CHECK_OK(lora_apply(ctx, m->files, m->weights, &m->lora, &one, 1)); /* already applied: nothing to do */
    double t_again = now_ms() - t0;
    printf("timings: LoCon apply %.1f ms, restore %.1f ms; fixture apply %.1f ms, re-apply of the same list %.2f ms\n",
           t_apply, t_restore, t_fixture, t_again);

    /* 6. a module that does not fit its layer: an error with both shapes; the originals come back */
    st_entry bad[] = {{"lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", "F16", 4, {4, 63, 1, 1}, v},
                      {"lora_unet_mid_block_attentions_0_proj_in.lora_up.weight", "F16", 4, {64, 4, 1, 1}, v}};
    char bad_path[256];
    snprintf(bad_path, sizeof bad_path, "%s/bad.safetensors", scratch);
    CHECK(st_write(bad_path, bad, 2));
    lora_request b = {bad_path, 1.0f, 1.0f};
    CHECK_STATUS(lora_apply(ctx, m->files, m->weights, &m->lora, &b, 1), PIXEEN_ERROR_MODEL);
    printf("wrong shape: %s\n", error_message());
    CHECK(strstr(error_message(), "lora_unet_mid_block_attentions_0_proj_in") && strstr(error_message(), "[4, 63, 1, 1]") &&
          strstr(error_message(), "mid_block.attentions.0.proj_in.weight"));
    take(m, &now);
    CHECK(same_snapshot(m, &orig, &now));
    drop(&now);
    /* a tag naming no file: an error before anything changes */
    req = request("<lora:no-such-lora:1> a horse");
    txt2img_result res;
    CHECK_STATUS(txt2img_run(m, &req, &res), PIXEEN_ERROR_IO);
    CHECK(strstr(error_message(), "no-such-lora"));

    drop(&orig);
    free(orig_q), free(orig_pin), free(orig_conv_in);
    free(ref_lora), free(img_tag);
    sd_model_free(m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    CHECK(system(cmd) == 0);
    return gpu_test_finish(ctx);
}
