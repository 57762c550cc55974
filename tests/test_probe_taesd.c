/* test_probe_taesd.c — TAESD (diffusers AutoencoderTiny) through pixeen_probe, as
 * `pixeen probe -m TAESD_DIR --component taesd_decoder|taesd_encoder` runs it: the fixture's
 * inputs written as .npy, the outputs compared with diffusers' (max|diff| / max|ref| < 1e-3 in
 * fp32, 1e-2 with fp16 activations). The TAESD weights (4.9 MB) are read from
 * ../shared/fixtures/taesd when present; the test skips otherwise. Also: the pointwise kernel
 * against its C reference, and a TAESD model refusing what it cannot do. */
#include <unistd.h>

#include "core/npy.h"
#include "gpu_test.h"
#include "ops/reference_taesd_pointwise.h"
#include "ops/taesd_pointwise.h"

static float *read_bin(const char *dir, const char *name, size_t count) {
    char path[4600];
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "rb");
    float *data = malloc(count * 4);
    if (!f || fread(data, 4, count, f) != count) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return data;
}

static void check_pointwise(gpu_context *ctx) {
    enum { N = 1003 }; /* odd: a partial last workgroup */
    float x[N], ref[N], got[N];
    test_fill_random(x, N, 5, -9, 9);
    for (int mode = 0; mode < 3; mode++)
        for (int f16 = 0; f16 < 2; f16++) {
            tensor_dtype dt = f16 ? DTYPE_F16 : DTYPE_F32;
            for (int i = 0; i < N; i++) ref[i] = f16 ? f32_round_f16(x[i]) : x[i];
            tensor t = gpu_test_tensor(ctx, dt, ref, N);
            ref_taesd_pointwise((op_taesd_mode)mode, 2.0f, -1.0f, ref, N);
            gpu_recorder *rec;
            CHECK_OK(gpu_recorder_create(ctx, &rec));
            gpu_recorder_begin(rec);
            op_taesd_pointwise_record(rec, (op_taesd_mode)mode, 2.0f, -1.0f, &t, &t);
            CHECK_OK(gpu_recorder_end(rec));
            CHECK_OK(gpu_recorder_submit(rec));
            gpu_test_read(ctx, &t, got);
            double worst = 0;
            for (int i = 0; i < N; i++) worst = fmax(worst, fabs(got[i] - ref[i]) / fmax(1.0, fabs(ref[i])));
            printf("taesd_pointwise mode %d %s: max rel %.3g\n", mode, f16 ? "f16" : "f32", worst);
            CHECK(worst < (f16 ? 1e-3 : 1e-6));
            gpu_recorder_destroy(rec);
            gpu_buffer_destroy(t.buffer);
        }
}

static void compare(const char *path, const float *ref, size_t n, double tol, const char *what) {
    npy_header h;
    float *got = NULL;
    CHECK_OK(npy_read(path, &h, (void **)&got));
    double worst = 0, scale = 0;
    CHECK(h.count == n);
    for (size_t i = 0; got && i < n && h.count == n; i++) {
        double d = isnan(got[i]) ? INFINITY : fabs((double)got[i] - ref[i]);
        worst = fmax(worst, d);
        scale = fmax(scale, fabs(ref[i]));
    }
    printf("probe %s: max rel %.3g (tol %.0e)\n", what, worst / scale, tol);
    CHECK(worst / scale < tol);
    free(got);
}

int main(void) {
    gpu_context *gctx = gpu_test_context(); /* skips when there is no device */
    check_pointwise(gctx);
    gpu_context_destroy(gctx);
    const char *shared = test_shared_path("fixtures/taesd/model");
    if (!shared) {
        printf("SKIP TAESD parity: ../shared/fixtures/taesd is absent\n");
        return test_finish();
    }
    char model_dir[4096], ref_dir[4096];
    snprintf(model_dir, sizeof model_dir, "%s", shared);
    snprintf(ref_dir, sizeof ref_dir, "%s", test_shared_path("fixtures/taesd/ref"));
    char dir[] = "/tmp/pixeen-taesd-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char z[4200], x[4200], out[4200];
    snprintf(z, sizeof z, "%s/z.npy", dir);
    snprintf(x, sizeof x, "%s/x.npy", dir);
    snprintf(out, sizeof out, "%s/out.npy", dir);
    float *zin = read_bin(ref_dir, "taesd_decode_16_z", 4 * 16 * 16), *dref = read_bin(ref_dir, "taesd_decode_16_out", 3 * 128 * 128);
    float *xin = read_bin(ref_dir, "taesd_encode_16_x", 3 * 128 * 128), *eref = read_bin(ref_dir, "taesd_encode_16_out", 4 * 16 * 16);
    CHECK_OK(npy_write(z, NPY_DTYPE_F32, 4, (const uint64_t[]){1, 4, 16, 16}, zin));
    CHECK_OK(npy_write(x, NPY_DTYPE_F32, 4, (const uint64_t[]){1, 3, 128, 128}, xin));
    pixeen_context *ctx = NULL;
    CHECK_OK(pixeen_context_create(&(pixeen_context_desc){0}, &ctx));
    for (int f16 = test_quick() ? 1 : 0; ctx && f16 < 2; f16++) {
        pixeen_model *model = NULL;
        pixeen_precision prec = f16 ? PIXEEN_PRECISION_FP16 : PIXEEN_PRECISION_FP32;
        CHECK_OK(pixeen_model_load(ctx, &(pixeen_model_desc){.path = model_dir, .precision = prec}, &model));
        if (!model) break;
        double tol = f16 ? 1e-2 : 1e-3;
        CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TAESD_DECODER, .inputs = {z}, .output = out}));
        compare(out, dref, 3 * 128 * 128, tol, f16 ? "taesd decoder fp16" : "taesd decoder fp32");
        CHECK_OK(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_TAESD_ENCODER, .inputs = {x}, .output = out}));
        compare(out, eref, 4 * 16 * 16, tol, f16 ? "taesd encoder fp16" : "taesd encoder fp32");
        /* what a TAESD cannot do: a UNet component, generating */
        CHECK_STATUS(pixeen_probe(model, &(pixeen_probe_desc){.component = PIXEEN_COMPONENT_UNET, .inputs = {z, z, z}, .output = out}),
                     PIXEEN_ERROR_INVALID_ARGUMENT);
        pixeen_image *img = NULL;
        CHECK_STATUS(pixeen_generate(model, &(pixeen_generate_desc){.prompt = "x"}, &img), PIXEEN_ERROR_INVALID_ARGUMENT);
        CHECK(img == NULL);
        pixeen_model_destroy(model);
    }
    pixeen_context_destroy(ctx);
    free(zin), free(dref), free(xin), free(eref);
    unlink(z), unlink(x), unlink(out);
    rmdir(dir);
    CHECK(gpu_validation_message_count() == 0);
    return test_finish();
}
