/* test_winograd_cache.c — the Winograd-transformed kernels kept with the weights (nn.h,
 * nn_winograd_cache) are made by generations of NN_WINOGRAD_FILL_REPLAYS steps or more only (a
 * 2-step one transforms in its step: the same image as from the cache), and follow LoRA merges:
 * on the tiny SD 1.5 model (fp16, Winograd forced wherever
 * it can run: each form in turn), a plain generation, then one with a LoCon module on a 3x3 UNet convolution that
 * takes Winograd, then a plain one again: the second plain image equals the first bit for bit, and
 * the LoRA image equals the same request's on a freshly loaded model (whose kernels are transformed
 * from the merged weights at first use), and differs from the plain one (so a stale kernel would
 * show). Also: the cache holds that convolution's kernel, and a table without a cache (built by
 * hand) still transforms in the step (covered by every op test). */
#include "gpu_test.h"
#include "models/lora.h"
#include "pipeline/txt2img.h"
#include "st_write.h"

#define SIDE 64
#define CONV "down_blocks.0.resnets.0.conv1"

static txt2img_request request(const lora_request *lora, int steps) {
    return (txt2img_request){.prompt = "a photograph of an astronaut riding a horse", .negative_prompt = "blurry",
                             .width = SIDE, .height = SIDE, .batch = 1, .clip_skip = 1, .guidance = 7.5f,
                             .seed = 1234, .rng = RNG_TORCH_CPU,
                             .sampler = {.kind = SAMPLER_EULER, .steps = steps, .karras = SAMPLER_KARRAS_OFF},
                             .loras = lora, .lora_count = lora ? 1 : 0, .lora_dir = "/nonexistent"};
}

/* A generation of `steps` steps; from NN_WINOGRAD_FILL_REPLAYS steps on it fills the cache. */
static void run_steps(sd_model *m, const lora_request *lora, int steps, uint8_t *rgba) {
    txt2img_request req = request(lora, steps);
    txt2img_result res;
    pixeen_status st = txt2img_run(m, &req, &res);
    CHECK_OK(st);
    if (st != PIXEEN_OK) return;
    CHECK_OK(gpu_buffer_download(m->ctx, res.rgba, 0, rgba, SIDE * SIDE * 4));
    txt2img_result_free(&res);
}

static void run(sd_model *m, const lora_request *lora, uint8_t *rgba) {
    run_steps(m, lora, NN_WINOGRAD_FILL_REPLAYS, rgba);
}

static sd_model *load(gpu_context *ctx) {
    sd_model *m = NULL;
    char model_path[4096];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    CHECK_OK(sd_model_load(ctx, model_path, test_data_path("sd15-tiny/model/tokenizer"), DTYPE_F16, &m));
    return m;
}

/* Index of the weight `name` in the UNet's table, or count when absent. */
static size_t find(const sd_model *m, const char *name) {
    const nn_weights *w = &m->weights[MODEL_UNET];
    size_t i = 0;
    while (i < w->count && strcmp(w->items[i].name, name)) i++;
    return i;
}

/* The whole check with Winograd of form `tile` forced wherever it can run. */
static int check_form(op_winograd_tile tile) {
    /* read by the context: Winograd at the tiny sizes too */
    setenv("PIXEEN_CONV_WINOGRAD", tile == OP_WINOGRAD_F4 ? "4" : "2", 1);
    printf("F(%dx%d, 3x3):\n", (int)tile, (int)tile);
    gpu_context *ctx = gpu_test_context();
    sd_model *m = load(ctx);
    if (!m) return gpu_test_finish(ctx);
    size_t conv = find(m, CONV ".weight");
    CHECK(conv < m->weights[MODEL_UNET].count);
    const tensor *k = &m->weights[MODEL_UNET].items[conv].t;
    int64_t cout = k->shape[0], cin = k->shape[1];

    /* a LoCon module on that convolution (rank 2, alpha 2: scale 1) */
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/pixeen-wcache-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    static float v[4096];
    test_fill_random(v, 4096, 11, -0.5f, 0.5f);
    CHECK(2 * cin * 9 <= 2048 && cout * 2 <= 2048);
    st_entry locon[] = {{"lora_unet_down_blocks_0_resnets_0_conv1.alpha", "F32", 0, {0}, (const float[]){2.0f}},
                        {"lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight", "F16", 4, {2, cin, 3, 3}, v},
                        {"lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight", "F16", 4, {cout, 2, 1, 1}, v + 2048}};
    char path[128];
    snprintf(path, sizeof path, "%s/locon.safetensors", dir);
    CHECK(st_write(path, locon, 3));
    lora_request lora = {path, 1.0f, 1.0f};

    uint8_t *plain = malloc(SIDE * SIDE * 4), *with = malloc(SIDE * SIDE * 4), *again = malloc(SIDE * SIDE * 4),
            *fresh = malloc(SIDE * SIDE * 4), *brief = malloc(SIDE * SIDE * 4), *brief_cached = malloc(SIDE * SIDE * 4);
    const nn_winograd_cache *cache = m->weights[MODEL_UNET].winograd;
    const tensor *u = cache ? &cache->u[nn_winograd_slot(conv, tile, DTYPE_F16)] : NULL;
    /* A few-step generation transforms in its recording and leaves the cache empty; once a longer
     * one has filled it, the same few-step request reads the cached kernels: the same image. */
    run_steps(m, NULL, 2, brief);
    CHECK(u && u->buffer == NULL && cache->bytes == 0);
    run(m, NULL, plain);
    CHECK(u && u->buffer != NULL && u->dtype == DTYPE_F16 && tensor_count(u) == op_winograd_points(tile) * cout * cin);
    run_steps(m, NULL, 2, brief_cached);
    printf("UNet: %.2f MiB of Winograd kernels cached (the 3x3 kernels that take it, %d/9 of their size)\n",
           cache ? (double)cache->bytes / (1 << 20) : 0.0, (int)op_winograd_points(tile));
    run(m, &lora, with);
    CHECK(lora_state_merged_modules(m->lora) == 1);
    run(m, NULL, again);
    sd_model_free(m);

    sd_model *m2 = load(ctx);
    if (m2) run(m2, &lora, fresh);
    sd_model_free(m2);

    size_t n = SIDE * SIDE * 4, differ = 0;
    for (size_t i = 0; i < n; i++) differ += plain[i] != with[i];
    printf("plain, LoRA, plain: the plain images are %s; the LoRA image %s a fresh model's; %zu of %zu bytes differ "
           "from plain\n",
           memcmp(plain, again, n) ? "DIFFERENT" : "identical", memcmp(with, fresh, n) ? "DIFFERS from" : "equals",
           differ, n);
    printf("2 steps: transformed in the step and from the cache: %s\n",
           memcmp(brief, brief_cached, n) ? "DIFFERENT" : "identical");
    CHECK(memcmp(brief, brief_cached, n) == 0);
    CHECK(memcmp(plain, again, n) == 0);
    CHECK(memcmp(with, fresh, n) == 0);
    CHECK(differ > 0);

    free(plain), free(with), free(again), free(fresh), free(brief), free(brief_cached);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    unsetenv("PIXEEN_CONV_WINOGRAD");
    return gpu_test_finish(ctx);
}

int main(void) {
    int rc = check_form(OP_WINOGRAD_F2);
    if (rc) return rc;
    return check_form(OP_WINOGRAD_F4);
}
