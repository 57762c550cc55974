/* memory_plan.c — how much device memory a model needs at a size, from shapes alone (see
 * src/models/memory_plan.h): no weights are read, no GPU is used, it answers in milliseconds.
 *
 *   memory_plan (--config sd15|sd21|sdxl|... | -m MODEL) [-W 1024 -H 1024] [--batch 1] [--cfg 1]
 *               [--precision fp16|fp32]
 *
 * Prints the weights per network (fp16 on the device), the denoising step's activation arena
 * (one UNet evaluation on the CFG batch: 2 x batch unless --cfg 1) and the VAE decode's arena (fp32
 * activations for SDXL, as the pipeline decodes it), each with its largest single activation, and
 * their sum. These are the numbers `pixeen generate -v` logs, before any weight is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/memory_plan.h"
#include "models/model.h"
#include "testmodel.h"
#include "pipeline/family.h"

static int usage(void) {
    fprintf(stderr, "usage: memory_plan (--config sd15|sd21|sdxl|... | -m MODEL) [-W W -H H] [--batch N] [--cfg 1] "
                    "[--precision fp16|fp32]\n");
    return 2;
}

static double mib(uint64_t bytes) { return (double)bytes / (1 << 20); }

int main(int argc, char **argv) {
    const char *config = NULL, *path = NULL;
    int width = 0, height = 0, batch = 1, halves = 2;
    tensor_dtype act = DTYPE_F16;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--config")) config = v;
        else if (!strcmp(a, "-m")) path = v;
        else if (!strcmp(a, "-W")) width = atoi(v);
        else if (!strcmp(a, "-H")) height = atoi(v);
        else if (!strcmp(a, "--batch")) batch = atoi(v);
        else if (!strcmp(a, "--cfg")) halves = atof(v) == 1.0 ? 1 : 2;
        else if (!strcmp(a, "--precision")) act = !strcmp(v, "fp32") ? DTYPE_F32 : DTYPE_F16;
        else return usage();
    }
    if (!config == !path || batch < 1 || batch > 64 || width < 0 || height < 0) return usage();

    testmodel_config t;
    model *m = NULL;
    const clip_config *clip[2] = {NULL, NULL};
    const unet_config *unet;
    const vae_config *vae;
    bool vae_fp32;
    pixeen_status st;
    if (config) {
        st = testmodel_config_get(config, &t);
        clip[0] = &t.clip[0];
        clip[1] = t.sdxl ? &t.clip[1] : NULL;
        unet = &t.unet;
        vae = &t.vae;
        vae_fp32 = t.sdxl;
    } else {
        st = model_open(path, &m);
        if (st == PIXEEN_OK) {
            clip[0] = model_clip_config(m, MODEL_TEXT_ENCODER);
            clip[1] = model_clip_config(m, MODEL_TEXT_ENCODER_2);
            unet = model_unet_config(m);
            vae = model_vae_config(m);
            vae_fp32 = family_get(model_get_family(m))->vae_decode_fp32;
            if (!unet || !vae) st = error_set(PIXEEN_ERROR_MODEL, "memory_plan: %s has no UNet or no VAE", path);
        }
    }
    if (st != PIXEEN_OK) {
        fprintf(stderr, "memory_plan: %s\n", error_message());
        model_close(m);
        return 1;
    }
    if (!width) width = vae->sample_size ? vae->sample_size : unet->sample_size * vae->downscale;
    if (!height) height = width;
    int64_t lh = height / vae->downscale, lw = width / vae->downscale;

    uint64_t weights = memory_plan_unet_weight_bytes(unet) + memory_plan_vae_weight_bytes(vae);
    printf("%s at %dx%d, batch %d%s, %s activations\n", config ? config : path, width, height, batch,
           halves == 2 ? " (CFG: the UNet sees 2x)" : "", act == DTYPE_F16 ? "fp16" : "fp32");
    for (int e = 0; e < 2; e++)
        if (clip[e]) {
            uint64_t b = memory_plan_clip_weight_bytes(clip[e]);
            weights += b;
            printf("  weights  text encoder %d  %9.1f MiB\n", e + 1, mib(b));
        }
    printf("  weights  UNet            %9.1f MiB\n", mib(memory_plan_unet_weight_bytes(unet)));
    printf("  weights  VAE             %9.1f MiB\n", mib(memory_plan_vae_weight_bytes(vae)));
    memory_plan step, decode;
    int64_t tokens = 77;
    st = memory_plan_unet(unet, (int64_t)halves * batch, lh, lw, tokens, act, &step);
    if (st == PIXEEN_OK) st = memory_plan_vae_decode(vae, batch, lh, lw, vae_fp32 ? DTYPE_F32 : act, &decode);
    if (st != PIXEEN_OK) {
        fprintf(stderr, "memory_plan: %s\n", error_message());
        model_close(m);
        return 1;
    }
    printf("  arena    step (UNet)     %9.1f MiB   largest activation %7.1f MiB   %8.1f GFLOP\n", mib(step.arena_bytes),
           mib(step.largest_bytes), step.flops * 1e-9);
    printf("  arena    VAE decode%s  %9.1f MiB   largest activation %7.1f MiB   %8.1f GFLOP\n", vae_fp32 ? " fp32" : "     ",
           mib(decode.arena_bytes), mib(decode.largest_bytes), decode.flops * 1e-9);
    uint64_t winograd = step.winograd_bytes + decode.winograd_bytes;
    printf("  weights  Winograd kernels%9.1f MiB   (transformed 3x3 kernels: UNet %.1f, VAE decoder %.1f)\n",
           mib(winograd), mib(step.winograd_bytes), mib(decode.winograd_bytes));
    printf("  total    weights %.1f MiB + Winograd kernels %.1f MiB + arenas %.1f MiB = %.2f GiB\n", mib(weights),
           mib(winograd), mib(step.arena_bytes + decode.arena_bytes),
           (double)(weights + winograd + step.arena_bytes + decode.arena_bytes) / (1 << 30));
    model_close(m);
    return 0;
}
