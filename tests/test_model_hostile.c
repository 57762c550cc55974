/* test_model_hostile.c — models a user really meets that are not whole (issue 15):
 *   F1/F2  a diffusers folder without vae/ or text_encoder/: load fails naming the component (not a
 *          crash, not "no tokenizer"); inspect says the component is missing
 *   F3/F4  a single file without first_stage_model.* or cond_stage_model.* keys: the same
 *   F7     NaN / infinity in the weights: the load fails naming the tensor; finite weights whose
 *          numbers overflow fp16 on the way (UNet, VAE): generate fails saying so instead of
 *          returning a black image
 *   F5     a model with SD 1.5's depth (three downsamplers, VAE factor 8) generates at sizes that
 *          are multiples of 8 but not of 64 (odd latent sizes through the down and up paths)
 * and the messages for what is not a model at all (a symlink loop, a device, a FIFO), and for
 * running out of address space on a CPU driver (not "out of device memory").
 * Models are written by the test-model maker into a temporary folder, then damaged. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_test.h"
#include "core/f16.h"
#include "models/safetensors.h"
#include "testmodel.h"

static pixeen_context *ctx;
static char root[64];

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* Copies single file `from` to `to` without the tensors whose names start with `prefix` (their
 * bytes stay in the data section, unreferenced: still a valid safetensors file). */
static void copy_without(const char *from, const char *to, const char *prefix) {
    size_t len = 0;
    char *data = slurp(from, &len);
    CHECK(data && len > 8);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | (uint8_t)data[i];
    cJSON *root_json = cJSON_ParseWithLength(data + 8, (size_t)hlen);
    CHECK(root_json != NULL);
    for (cJSON *e = root_json->child; e;) {
        cJSON *next = e->next;
        if (!strncmp(e->string, prefix, strlen(prefix))) cJSON_Delete(cJSON_DetachItemViaPointer(root_json, e));
        e = next;
    }
    char *header = cJSON_PrintUnformatted(root_json);
    uint64_t n = strlen(header);
    FILE *f = fopen(to, "wb");
    for (int i = 0; i < 8; i++) fputc((int)((n >> (8 * i)) & 0xff), f);
    fwrite(header, 1, n, f);
    fwrite(data + 8 + hlen, 1, len - 8 - hlen, f);
    fclose(f);
    free(header);
    cJSON_Delete(root_json);
    free(data);
}

/* Writes `value` (as the tensor's dtype, f16 or f32) into elements [first, first + count) of tensor `name`. */
static void poke(const char *path, const char *name, uint64_t first, uint64_t count, float value) {
    safetensors_file *f = NULL;
    CHECK_OK(safetensors_open(path, &f));
    const safetensors_tensor *t = safetensors_find(f, name);
    CHECK(t != NULL);
    if (!t) return;
    int fd = open(path, O_WRONLY);
    uint16_t h = f32_to_f16(value);
    int es = t->dtype == SAFETENSORS_F16 ? 2 : 4;
    if (count > t->n_elements - first) count = t->n_elements - first;
    for (uint64_t i = first; i < first + count; i++) {
        ssize_t w = es == 2 ? pwrite(fd, &h, 2, (off_t)(t->offset + i * 2)) : pwrite(fd, &value, 4, (off_t)(t->offset + i * 4));
        CHECK(w == es);
    }
    close(fd);
    safetensors_close(f);
}

static void copy_file(const char *from, const char *to) {
    size_t len = 0;
    char *data = slurp(from, &len);
    FILE *f = fopen(to, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    free(data);
}

static pixeen_status load(const char *path, const char *tokenizer, pixeen_model **out) {
    pixeen_model_desc d = {.path = path, .tokenizer_dir = tokenizer};
    *out = NULL;
    return pixeen_model_load(ctx, &d, out);
}

static char *inspect(const char *path, pixeen_status *st) {
    FILE *f = tmpfile();
    *st = pixeen_model_inspect(path, f);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) buf[0] = 0;
    fclose(f);
    return buf;
}

/* Load refused with PIXEEN_ERROR_MODEL and a message holding both strings; inspect works and
 * reports `missing_line`. */
static void check_missing(const char *path, const char *tokenizer, const char *what, const char *where,
                          const char *missing_line) {
    pixeen_model *m = NULL;
    CHECK_STATUS(load(path, tokenizer, &m), PIXEEN_ERROR_MODEL);
    const char *msg = pixeen_context_last_error(ctx);
    printf("  load %s: %s\n", path, msg);
    CHECK(strstr(msg, what) && strstr(msg, where));
    pixeen_model_destroy(m);
    pixeen_status st;
    char *out = inspect(path, &st);
    CHECK_OK(st);
    CHECK(strstr(out, missing_line) != NULL);
    free(out);
}

static void test_missing_components(void) {
    char dir[128], cmd[1200], file[256], cut[256], tok[300];
    /* F1/F2: a diffusers folder without vae/, then without text_encoder/ */
    snprintf(dir, sizeof dir, "%s/folder", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.out = dir, .fp16 = true, .seed = 5}));
    snprintf(tok, sizeof tok, "%s/tokenizer", dir);
    snprintf(cmd, sizeof cmd, "mv '%s/vae' '%s/vae.away'", dir, dir);
    CHECK(system(cmd) == 0);
    check_missing(dir, NULL, "has no VAE", "vae/ folder is missing", "vae: MISSING");
    snprintf(cmd, sizeof cmd, "mv '%s/vae.away' '%s/vae' && mv '%s/text_encoder' '%s/te.away'", dir, dir, dir, dir);
    CHECK(system(cmd) == 0);
    check_missing(dir, tok, "has no text encoder", "text_encoder/ folder is missing", "text_encoder: MISSING");
    check_missing(dir, NULL, "has no text encoder", "text_encoder/", "text_encoder: MISSING"); /* not "no tokenizer" */
    /* F3/F4: a single file without the VAE's or the text encoder's tensors */
    snprintf(file, sizeof file, "%s/single.safetensors", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.out = file, .single_file = true, .fp16 = true, .seed = 5}));
    snprintf(tok, sizeof tok, "%s/tokenizer", root);
    snprintf(cut, sizeof cut, "%s/novae.safetensors", root);
    copy_without(file, cut, "first_stage_model.");
    check_missing(cut, tok, "has no VAE", "'first_stage_model.'", "vae: MISSING");
    snprintf(cut, sizeof cut, "%s/note.safetensors", root);
    copy_without(file, cut, "cond_stage_model.");
    check_missing(cut, tok, "has no text encoder", "'cond_stage_model.transformer.'", "text_encoder: MISSING");
    /* the whole file still loads */
    pixeen_model *m = NULL;
    CHECK_OK(load(file, tok, &m));
    pixeen_model_destroy(m);
}

/* F7: NaN and infinity in the weights are refused at load with the tensor's name; finite weights
 * that overflow fp16 activations are caught after the steps (UNet) or the decode (VAE). */
static void test_non_finite(void) {
    char file[256], bad[256], tok[300];
    snprintf(file, sizeof file, "%s/single.safetensors", root);
    snprintf(tok, sizeof tok, "%s/tokenizer", root);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", root);
    pixeen_model *m = NULL;
    static const struct { const char *tensor; uint64_t first, count; float value; const char *says; } cases[] = {
        {"model.diffusion_model.input_blocks.1.0.in_layers.2.weight", 123, 1, NAN, "a NaN at element"},
        {"model.diffusion_model.out.2.bias", 0, 4, INFINITY, "an infinity"},
        {"first_stage_model.decoder.conv_out.weight", 7, 1, -INFINITY, "an infinity"},
        /* each of the four values a 64-bit word of the scan holds (nn_weights.c's nonfinite_lanes) */
        {"model.diffusion_model.out.2.weight", 1, 1, NAN, "a NaN at element 1 "},
        {"model.diffusion_model.out.2.weight", 2, 1, INFINITY, "an infinity or a value beyond fp16's range at element 2 "},
        {"model.diffusion_model.out.2.weight", 4, 1, 70000.0f, "beyond fp16's range at element 4 "},
        {"cond_stage_model.transformer.text_model.final_layer_norm.weight", 0, 100000, NAN, "a NaN"}, /* all of it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        copy_file(file, bad);
        poke(bad, cases[i].tensor, cases[i].first, cases[i].count, cases[i].value);
        CHECK_STATUS(load(bad, tok, &m), PIXEEN_ERROR_MODEL);
        const char *msg = pixeen_context_last_error(ctx);
        printf("  %s\n", msg);
        CHECK(strstr(msg, cases[i].says) != NULL);
        pixeen_model_destroy(m);
    }
    /* Finite but huge: the UNet's output overflows fp16, so the latents become infinite. */
    static const struct { const char *tensor; const char *says; } overflow[] = {
        {"model.diffusion_model.out.2.weight", "the latents hold non-finite values"},
        {"first_stage_model.decoder.conv_out.weight", "the VAE decoded"},
    };
    for (size_t i = 0; i < sizeof overflow / sizeof overflow[0]; i++) {
        copy_file(file, bad);
        poke(bad, overflow[i].tensor, 0, 1u << 30, 60000.0f);
        pixeen_model_desc d = {.path = bad, .tokenizer_dir = tok, .precision = PIXEEN_PRECISION_FP16};
        CHECK_OK(pixeen_model_load(ctx, &d, &m));
        pixeen_generate_desc g = api_test_request();
        g.steps = 2;
        pixeen_image *image = NULL;
        CHECK_STATUS(pixeen_generate(m, &g, &image), PIXEEN_ERROR_MODEL);
        const char *msg = pixeen_context_last_error(ctx);
        printf("  %s\n", msg);
        CHECK(strstr(msg, overflow[i].says) != NULL && image == NULL);
        pixeen_image_destroy(image);
        /* the model stays usable for the next request */
        pixeen_model_destroy(m);
    }
}

/* Not a model: each says what it is instead of "does not exist". */
static void test_not_a_model(void) {
    char a[128], b[128], fifo[128];
    snprintf(a, sizeof a, "%s/loop-a", root);
    snprintf(b, sizeof b, "%s/loop-b", root);
    snprintf(fifo, sizeof fifo, "%s/fifo", root);
    CHECK(symlink(b, a) == 0 && symlink(a, b) == 0 && mkfifo(fifo, 0600) == 0);
    static const char *says[] = {"loop of symbolic links", "is a device", "is a pipe (FIFO)", "does not exist"};
    const char *paths[] = {a, "/dev/zero", fifo, "/nonexistent/model.safetensors"};
    for (int i = 0; i < 4; i++) {
        pixeen_status st;
        free(inspect(paths[i], &st));
        CHECK_STATUS(st, PIXEEN_ERROR_IO);
        printf("  %s\n", pixeen_last_error());
        CHECK(strstr(pixeen_last_error(), says[i]) != NULL);
    }
}

/* Address space exhausted on a CPU driver: said as host memory, with the limit to check. Run in a
 * child before anything else touches Vulkan (so the fork is clean), with RLIMIT_AS a little above
 * what the context uses: the model's first 256 MiB block cannot be had. Not under ASan, which
 * reserves terabytes of address space. */
static void test_address_space(void) {
#if defined(__SANITIZE_ADDRESS__)
    printf("  address-space check skipped (AddressSanitizer reserves the address space)\n");
#else
    pid_t pid = fork();
    if (pid == 0) {
        pixeen_context *c = NULL;
        if (pixeen_context_create(NULL, &c) != PIXEEN_OK) _exit(77);
        if (!strstr(pixeen_context_device_name(c), "llvmpipe")) _exit(77);
        long vm_kb = 0;
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "VmSize:", 7)) vm_kb = strtol(line + 7, NULL, 10);
        if (f) fclose(f);
        struct rlimit lim = {(rlim_t)(vm_kb + 100 * 1024) * 1024, RLIM_INFINITY};
        if (vm_kb <= 0 || setrlimit(RLIMIT_AS, &lim) != 0) _exit(77);
        pixeen_model *m = NULL;
        pixeen_model_desc d = {.path = test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors")};
        pixeen_status st = pixeen_model_load(c, &d, &m);
        printf("  with RLIMIT_AS = VmSize + 100 MiB: %s\n", st ? pixeen_context_last_error(c) : "loaded");
        fflush(stdout);
        _exit(st == PIXEEN_ERROR_OUT_OF_MEMORY && strstr(pixeen_context_last_error(c), "address space") ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 77));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) printf("  address-space check skipped (not lavapipe)\n");
#endif
}

/* F5: SD 1.5's three downsamplers with sizes that are multiples of 8, not of 64. */
static void test_odd_sizes(void) {
    char dir[256], tok[300];
    snprintf(dir, sizeof dir, "%s/deep", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sd15-tiny-deep", .out = dir, .fp16 = true, .seed = 9}));
    snprintf(tok, sizeof tok, "%s/tokenizer", dir);
    pixeen_model *m = NULL;
    CHECK_OK(load(dir, tok, &m));
    pixeen_model_info info;
    CHECK_OK(pixeen_model_get_info(m, &info));
    CHECK(info.size_multiple == 8);
    static const int sizes[][2] = {{96, 64}, {72, 72}, {64, 104}, {8, 8}, {64, 64}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        pixeen_generate_desc g = api_test_request();
        g.width = sizes[i][0];
        g.height = sizes[i][1];
        g.steps = 2;
        g.sampler = PIXEEN_SAMPLER_EULER;
        pixeen_image *image = NULL;
        pixeen_status st = pixeen_generate(m, &g, &image);
        printf("  %dx%d: %s\n", g.width, g.height, st ? pixeen_context_last_error(ctx) : "ok");
        CHECK_OK(st);
        pixeen_image_info ii;
        if (image && pixeen_image_get_info(image, &ii) == PIXEEN_OK) {
            CHECK(ii.width == g.width && ii.height == g.height);
            size_t n = (size_t)g.width * g.height * 4;
            uint8_t *rgba = malloc(n);
            CHECK_OK(pixeen_image_read(image, 0, rgba, n));
            int lo = 255, hi = 0; /* not a constant (black) picture */
            for (size_t k = 0; k < n; k++)
                if (k % 4 != 3) {
                    lo = rgba[k] < lo ? rgba[k] : lo;
                    hi = rgba[k] > hi ? rgba[k] : hi;
                }
            CHECK(hi > lo);
            free(rgba);
        }
        pixeen_image_destroy(image);
    }
    pixeen_model_destroy(m);
}

int main(void) {
    test_address_space();
    ctx = api_test_context();
    snprintf(root, sizeof root, "/tmp/pixeen-test-hostile-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    test_not_a_model();
    test_missing_components();
    test_non_finite();
    test_odd_sizes();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    pixeen_context_destroy(ctx);
    return test_finish();
}
