/* cmd_probe.c — `pixeen probe`: one network of a model on .npy inputs, its output as .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
    fprintf(out, "usage: pixeen probe -m MODEL --component text_encoder|text_encoder_2|unet|vae_decoder -i IN.npy [-i IN.npy ...]\n"
                 "                    -o OUT.npy [--precision fp16|fp32] [--clip-skip N] [--pooled] [--tokenizer DIR]\n"
                 "                    [--tokenizer-2 DIR] [--device SEL]\n"
                 "Inputs (NCHW, float32/float16; ids int32/int64), in this order:\n"
                 "  text_encoder, text_encoder_2 (SDXL's second)\n"
                 "                token ids [B, 77]                 -> hidden states [B, 77, D]\n"
                 "                with --pooled: the pooled output [B, P] (SDXL's second: text_embeds, through text_projection)\n"
                 "  unet          sample [B, 4, h, w], timestep [B] or [1], context [B, T, D] -> [B, 4, h, w]\n"
                 "                SDXL also: text_embeds [B, P], time_ids [B, 6] (5 inputs)\n"
                 "  vae_decoder   latents [B, 4, h, w] (not scaled) -> image [B, 3, H, W] in about [-1, 1]\n"
                 "The output is written in plaintext where you ask (it is an explicit export).\n");
}

int cmd_probe(int argc, char **argv) {
    const char *model_path = NULL, *tokenizer = NULL, *tokenizer2 = NULL, *device = NULL, *component = NULL;
    pixeen_probe_desc desc = {0};
    int inputs = 0, fp32 = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "--pooled")) {
            desc.pooled = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "pixeen probe: %s needs a value (see pixeen probe --help)\n", o);
            return 2;
        }
        i++;
        if (!strcmp(o, "-m") || !strcmp(o, "--model")) model_path = v;
        else if (!strcmp(o, "--component")) component = v;
        else if (!strcmp(o, "-o") || !strcmp(o, "--output")) desc.output = v;
        else if (!strcmp(o, "--tokenizer")) tokenizer = v;
        else if (!strcmp(o, "--tokenizer-2")) tokenizer2 = v;
        else if (!strcmp(o, "--device")) device = v;
        else if (!strcmp(o, "--clip-skip")) desc.clip_skip = atoi(v);
        else if (!strcmp(o, "--precision")) fp32 = !strcmp(v, "fp32");
        else if (!strcmp(o, "-i") || !strcmp(o, "--input")) {
            if (inputs == 5) {
                fprintf(stderr, "pixeen probe: at most 5 inputs\n");
                return 2;
            }
            if (inputs < 3) desc.inputs[inputs] = v;
            else if (inputs == 3) desc.text_embeds = v;
            else desc.time_ids = v;
            inputs++;
        } else {
            fprintf(stderr, "pixeen probe: unknown option '%s'\n", o);
            return 2;
        }
    }
    static const struct {
        const char *name;
        pixeen_component c;
        int inputs;
    } components[] = {{"text_encoder", PIXEEN_COMPONENT_TEXT_ENCODER, 1},
                      {"text_encoder_2", PIXEEN_COMPONENT_TEXT_ENCODER_2, 1},
                      {"unet", PIXEEN_COMPONENT_UNET, 3},
                      {"vae_decoder", PIXEEN_COMPONENT_VAE_DECODER, 1}};
    const size_t known = sizeof components / sizeof components[0];
    size_t k = 0;
    while (component && k < known && strcmp(components[k].name, component)) k++;
    if (!model_path || !desc.output || !component || k == known) {
        fprintf(stderr, "pixeen probe: -m MODEL, a known --component and -o OUT.npy are required\n");
        usage(stderr);
        return 2;
    }
    /* SDXL's UNet takes its two added inputs after the usual three */
    if (inputs != components[k].inputs && !(components[k].c == PIXEEN_COMPONENT_UNET && inputs == 5)) {
        fprintf(stderr, "pixeen probe: %s takes %d input(s), %d given\n", component, components[k].inputs, inputs);
        return 2;
    }
    desc.component = components[k].c;
    pixeen_context *ctx = NULL;
    pixeen_status st = pixeen_context_create(&(pixeen_context_desc){.device = device}, &ctx);
    if (st != PIXEEN_OK) return cli_fail(st, "cannot start the GPU");
    pixeen_model *model = NULL;
    st = pixeen_model_load(ctx, &(pixeen_model_desc){.path = model_path, .tokenizer_dir = tokenizer, .tokenizer_2_dir = tokenizer2,
                                                     .precision = fp32 ? PIXEEN_PRECISION_FP32 : PIXEEN_PRECISION_FP16},
                           &model);
    int rc = 0;
    if (st != PIXEEN_OK) rc = cli_fail(st, "cannot load the model");
    if (rc == 0 && (st = pixeen_probe(model, &desc)) != PIXEEN_OK) rc = cli_fail(st, "probe failed");
    if (rc == 0) fprintf(stderr, "wrote %s\n", desc.output);
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    return rc;
}
