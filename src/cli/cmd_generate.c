/* cmd_generate.c — `pixeen generate -m MODEL -p PROMPT [options]`: text to image, and with
 * --init-image (and --mask) img2img / inpainting; --hires-* AUTOMATIC1111's hires fix.
 * Previews: the CLI writes no picture anywhere (nothing plaintext reaches the disk), so
 * --preview-decoder taesd:DIR decodes a full-colour preview with the TAESD after every
 * --preview-every steps and reports its size and mean colour (with --verbose; else one line at the
 * end): a check that the live preview works, and what an application's preview callback gets.
 * Every argument is checked before the model loads. Nothing is written unless --save (encrypted)
 * or --save-plain (an explicit plaintext export) is given. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct generate_args {
    const char *model, *tokenizer, *tokenizer2, *device;
    pixeen_prediction prediction;
    pixeen_spacing spacing;
    pixeen_size_conditioning sizes; /* SDXL's --original-size, --crop, --target-size */
    pixeen_generate_desc desc;
    const char *save, *save_plain, *recipients_file, *passphrase_file;
    pixeen_secret *save_passphrase; /* read before generating (read_save_passphrase) */
    const char *init_image, *mask, *identity, *input_passphrase_file; /* editing inputs (maybe .age) */
    const char *decoder; /* --decoder taesd:DIR */
    const char *preview_decoder; /* --preview-decoder taesd:DIR */
    int preview_every;
    int hires;                   /* --hires-fix or any --hires-* */
    pixeen_hires_desc hires_desc;
    pixeen_generate_more more;
    int strength_given;
    float strength;
    const char *recipients[16]; /* --recipient, in order */
    size_t recipient_count;
    pixeen_lora loras[64];       /* --lora, in order */
    char *lora_paths[64];
    int precision_fp32, quiet, verbose, force, no_metadata, armor, history;
} generate_args;

static void usage(FILE *out) {
    fprintf(out,
            "usage: pixeen generate -m MODEL -p PROMPT [options]\n"
            "  -m, --model PATH        diffusers folder or single-file .safetensors (SD 1.x, SD 2.x, SDXL)\n"
            "  -p, --prompt TEXT       what to draw; AUTOMATIC1111 emphasis: (word:1.2) [word]\n"
            "  -n, --negative TEXT     what to avoid\n"
            "  -W, --width N           multiple of 8 (default: the model's: SD 1.5 512, SD 2.1 768, SDXL 1024)\n"
            "  -H, --height N          multiple of 8\n"
            "      --steps N           denoising steps (default 20)\n"
            "      --cfg X             guidance scale, 1..100 (default 7.5; 1 = no guidance, one UNet pass)\n"
            "      --seed N            seed, 0..18446744073709551615 as torch (default 0); -1 picks a random\n"
            "                          one and prints it\n"
            "      --sampler NAME      euler_a (default) | euler | ddim | dpmpp_2m | lcm\n"
            "      --schedule NAME     discrete | karras (default: the model's)\n"
            "      --clip-skip N       1 = last CLIP layer (default), 2 = AUTOMATIC1111's clip skip 2\n"
            "      --batch N           images per run (default 1)\n"
            "      --rng NAME          cpu (torch CPU, default) | philox (torch CUDA, as AUTOMATIC1111)\n"
            "      --precision P       fp16 (default) | fp32\n"
            "      --tokenizer DIR     vocab.json + merges.txt (default: the model's, else the built-in CLIP vocabulary)\n"
            "      --tokenizer-2 DIR   the same for SDXL's second text encoder (pads with \"!\")\n"
            "      --prediction P      epsilon | v (default: the model's scheduler config; a single file:\n"
            "                          v for SD 2.x (768-v, 2.1), epsilon else; SD 2.x 512-base/SD-Turbo: epsilon)\n"
            "      --spacing S         leading | linspace | trailing: timestep spacing (default: the model's;\n"
            "                          Turbo/Lightning: trailing, e.g. --steps 4 --cfg 1 --spacing trailing)\n"
            "      --original-size W,H SDXL size conditioning (default: the image size, as diffusers)\n"
            "      --crop X,Y          SDXL crop corner, left and top (default 0,0)\n"
            "      --target-size W,H   SDXL target size (default: the image size)\n"
            "  SDXL's VAE is always decoded with fp32 activations: with the real weights its fp16\n"
            "  activations overflow (diffusers' force_upcast), so the images stay finite at any --precision.\n"
            "      --lora FILE[:W]     merge a LoRA (.safetensors) with weight W (default 1); repeatable.\n"
            "                          In a prompt, <lora:NAME:W> does the same with NAME from --lora-dir\n"
            "      --lora-dir DIR      where <lora:NAME:W> looks (default $XDG_DATA_HOME/pixeen/loras)\n"
            "      --embedding-dir DIR textual-inversion embeddings (.safetensors), used where their file\n"
            "                          name appears in a prompt (default $XDG_DATA_HOME/pixeen/embeddings)\n"
            "      --device SEL        device index or name substring (see pixeen devices)\n"
            "  editing (img2img; with --mask, inpainting):\n"
            "      --init-image FILE   PNG, JPEG, BMP or TGA, or an age-encrypted one (decrypted in locked memory,\n"
            "                          never written in plaintext); the output takes its size unless -W/-H are\n"
            "                          given (then it is resized with Lanczos); sizes round down to a multiple of 8\n"
            "      --strength S        0 < S <= 1 (default 0.75): the last int(steps * S) steps run\n"
            "      --mask FILE         white = repaint, black = keep (grey by luma, alpha ignored; same size as\n"
            "                          the init image)\n"
            "  -i, --identity FILE     identity for age-encrypted inputs (default: yours)\n"
            "      --input-passphrase-file F  passphrase for passphrase-encrypted inputs (else asked)\n"
            "      --decoder taesd:DIR decode the final image with a TAESD (diffusers AutoencoderTiny folder):\n"
            "                          a fast draft instead of the model's VAE\n"
            "      --preview-decoder taesd:DIR  full-colour previews with a TAESD while denoising; the CLI shows\n"
            "                          no picture (nothing is written): with -v it reports each preview's size\n"
            "                          and mean colour, else one summary line\n"
            "      --preview-every N   a preview every N steps (default 1; the last step always has one)\n"
            "  hires fix (AUTOMATIC1111's: generate, upscale, img2img at the larger size; any --hires-* turns it on):\n"
            "      --hires-fix         on, with the defaults below\n"
            "      --hires-scale F     the second size is int(W * F) x int(H * F) (default 2)\n"
            "      --hires-width N, --hires-height N  the second size instead of a scale (one: keep the aspect;\n"
            "                          both: upscale keeping the aspect, then cut the excess from both sides)\n"
            "      --hires-steps N     steps of the second pass (default: --steps)\n"
            "      --hires-strength S  denoising strength of the second pass, 0 < S <= 1 (default 0.7)\n"
            "      --hires-upscaler U  latent (default: A1111's \"Latent\", bilinear) | latent-nearest |\n"
            "                          lanczos (decode, resize the image with Lanczos, encode again)\n"
            "  saving (nothing is written without one of these):\n"
            "      --save OUT.png.age  encrypted (age) to --recipient age1... (repeatable), --recipients-file F,\n"
            "                          or a passphrase (--passphrase-file F, else asked on the terminal)\n"
            "      --save-plain OUT.png  an unencrypted PNG (an explicit export)\n"
            "      --armor             ASCII-armored age output\n"
            "      --no-metadata       leave the generation parameters out of the PNG\n"
            "      --force             replace an existing file\n"
            "      --history           also keep it in the encrypted history (pixeen history list)\n"
            "  -q, --quiet             no progress; -v, --verbose: device, timings, memory\n");
}

static int parse_int(const char *flag, const char *text, long lo, long hi, long *out) {
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || !end || *end || v < lo || v > hi) {
        fprintf(stderr, "pixeen generate: %s '%s' is not a whole number in %ld..%ld\n", flag, text, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

/* --lora FILE[:WEIGHT]: the weight is what follows the last ':' when it is a number (so paths
 * with ':' still work); else the whole value is the file, at weight 1. */
static int parse_lora(const char *val, generate_args *a) {
    size_t n = (size_t)a->desc.lora_count;
    if (n == sizeof a->loras / sizeof a->loras[0]) {
        fprintf(stderr, "pixeen generate: at most 64 --lora\n");
        return 0;
    }
    float weight = 1.0f;
    size_t len = strlen(val);
    const char *colon = strrchr(val, ':');
    if (colon && colon[1]) {
        char *end = NULL;
        double w = strtod(colon + 1, &end);
        if (end && !*end) {
            if (!isfinite(w) || fabs(w) > 1000) {
                fprintf(stderr, "pixeen generate: --lora '%s': the weight is not a number in -1000..1000\n", val);
                return 0;
            }
            weight = (float)w;
            len = (size_t)(colon - val);
        }
    }
    a->lora_paths[n] = malloc(len + 1);
    if (a->lora_paths[n]) {
        memcpy(a->lora_paths[n], val, len);
        a->lora_paths[n][len] = 0;
    }
    if (!a->lora_paths[n] || !len) {
        fprintf(stderr, "pixeen generate: --lora '%s' names no file\n", val);
        free(a->lora_paths[n]);
        a->lora_paths[n] = NULL;
        return 0;
    }
    a->loras[n] = (pixeen_lora){.path = a->lora_paths[n], .weight = weight};
    a->desc.lora_count = (int)n + 1;
    a->desc.loras = a->loras;
    return 1;
}

static int parse_args(int argc, char **argv, generate_args *a) {
    long v;
    a->desc.seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES_VALUE                                                          \
    if (!val) {                                                              \
        fprintf(stderr, "pixeen generate: %s needs a value\n", o);           \
        return 0;                                                            \
    }                                                                        \
    i++;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(o, "-m") || !strcmp(o, "--model")) {
            TAKES_VALUE a->model = val;
        } else if (!strcmp(o, "-p") || !strcmp(o, "--prompt")) {
            TAKES_VALUE a->desc.prompt = val;
        } else if (!strcmp(o, "-n") || !strcmp(o, "--negative")) {
            TAKES_VALUE a->desc.negative_prompt = val;
        } else if (!strcmp(o, "-W") || !strcmp(o, "--width")) {
            TAKES_VALUE if (!parse_int(o, val, 8, 4096, &v)) return 0;
            a->desc.width = (int)v;
        } else if (!strcmp(o, "-H") || !strcmp(o, "--height")) {
            TAKES_VALUE if (!parse_int(o, val, 8, 4096, &v)) return 0;
            a->desc.height = (int)v;
        } else if (!strcmp(o, "--steps")) {
            TAKES_VALUE if (!parse_int(o, val, 1, 1000, &v)) return 0;
            a->desc.steps = (int)v;
        } else if (!strcmp(o, "--cfg")) {
            TAKES_VALUE char *end = NULL;
            double g = strtod(val, &end);
            if (!end || *end || !isfinite(g) || g < 1 || g > 100) {
                fprintf(stderr, "pixeen generate: --cfg '%s' is not a number in 1..100\n", val);
                return 0;
            }
            a->desc.guidance = (float)g;
        } else if (!strcmp(o, "--seed")) {
            /* torch's seeds are unsigned 64-bit: 0..18446744073709551615 (and -1 here: random). */
            TAKES_VALUE char *end = NULL;
            errno = 0;
            unsigned long long s = val[0] >= '0' && val[0] <= '9' ? strtoull(val, &end, 10) : 0;
            if (!strcmp(val, "-1")) {
                a->desc.seed = -1;
            } else if (errno || !end || *end) {
                fprintf(stderr, "pixeen generate: --seed '%s' is not a seed (0..18446744073709551615, or -1 for "
                                "random)\n", val);
                return 0;
            } else {
                a->desc.seed = (int64_t)s;
                a->desc.seed_unsigned = 1; /* so that 18446744073709551615 is that seed, not "random" */
            }
        } else if (!strcmp(o, "--sampler")) {
            TAKES_VALUE static const struct {
                const char *name;
                pixeen_sampler kind;
            } names[] = {{"euler_a", PIXEEN_SAMPLER_EULER_A},   {"euler", PIXEEN_SAMPLER_EULER},
                         {"ddim", PIXEEN_SAMPLER_DDIM},         {"dpmpp_2m", PIXEEN_SAMPLER_DPMPP_2M},
                         {"lcm", PIXEEN_SAMPLER_LCM}};
            size_t k = 0;
            while (k < sizeof names / sizeof names[0] && strcmp(names[k].name, val)) k++;
            if (k == sizeof names / sizeof names[0]) {
                fprintf(stderr, "pixeen generate: unknown sampler '%s' (euler_a, euler, ddim, dpmpp_2m, lcm)\n", val);
                return 0;
            }
            a->desc.sampler = names[k].kind;
        } else if (!strcmp(o, "--schedule")) {
            TAKES_VALUE if (!strcmp(val, "discrete")) a->desc.schedule = PIXEEN_SCHEDULE_DISCRETE;
            else if (!strcmp(val, "karras")) a->desc.schedule = PIXEEN_SCHEDULE_KARRAS;
            else {
                fprintf(stderr, "pixeen generate: unknown schedule '%s' (discrete, karras)\n", val);
                return 0;
            }
        } else if (!strcmp(o, "--clip-skip")) {
            TAKES_VALUE if (!parse_int(o, val, 1, 12, &v)) return 0;
            a->desc.clip_skip = (int)v;
        } else if (!strcmp(o, "--batch")) {
            TAKES_VALUE if (!parse_int(o, val, 1, 64, &v)) return 0;
            a->desc.batch = (int)v;
        } else if (!strcmp(o, "--rng")) {
            TAKES_VALUE if (!strcmp(val, "cpu")) a->desc.rng = PIXEEN_RNG_CPU;
            else if (!strcmp(val, "philox")) a->desc.rng = PIXEEN_RNG_PHILOX;
            else {
                fprintf(stderr, "pixeen generate: unknown rng '%s' (cpu, philox)\n", val);
                return 0;
            }
        } else if (!strcmp(o, "--precision")) {
            TAKES_VALUE if (!strcmp(val, "fp32")) a->precision_fp32 = 1;
            else if (strcmp(val, "fp16")) {
                fprintf(stderr, "pixeen generate: unknown precision '%s' (fp16, fp32)\n", val);
                return 0;
            }
        } else if (!strcmp(o, "--tokenizer")) {
            TAKES_VALUE a->tokenizer = val;
        } else if (!strcmp(o, "--tokenizer-2")) {
            TAKES_VALUE a->tokenizer2 = val;
        } else if (!strcmp(o, "--prediction")) {
            TAKES_VALUE if (!strcmp(val, "epsilon")) a->prediction = PIXEEN_PREDICTION_EPSILON;
            else if (!strcmp(val, "v") || !strcmp(val, "v_prediction")) a->prediction = PIXEEN_PREDICTION_V;
            else {
                fprintf(stderr, "pixeen generate: unknown prediction '%s' (epsilon, v)\n", val);
                return 0;
            }
        } else if (!strcmp(o, "--spacing")) {
            TAKES_VALUE if (!strcmp(val, "leading")) a->spacing = PIXEEN_SPACING_LEADING;
            else if (!strcmp(val, "linspace")) a->spacing = PIXEEN_SPACING_LINSPACE;
            else if (!strcmp(val, "trailing")) a->spacing = PIXEEN_SPACING_TRAILING;
            else {
                fprintf(stderr, "pixeen generate: unknown spacing '%s' (leading, linspace, trailing)\n", val);
                return 0;
            }
        } else if (!strcmp(o, "--original-size") || !strcmp(o, "--crop") || !strcmp(o, "--target-size")) {
            TAKES_VALUE int x = 0, y = 0;
            char tail = 0;
            int crop = !strcmp(o, "--crop");
            if (sscanf(val, "%d,%d%c", &x, &y, &tail) != 2 || x < (crop ? 0 : 1) || y < (crop ? 0 : 1) || x > 16384 ||
                y > 16384) {
                fprintf(stderr, "pixeen generate: %s '%s' is not two whole numbers X,Y in %d..16384\n", o, val,
                        crop ? 0 : 1);
                return 0;
            }
            if (crop) {
                a->sizes.crop_x = x;
                a->sizes.crop_y = y;
            } else if (!strcmp(o, "--original-size")) {
                a->sizes.original_width = x;
                a->sizes.original_height = y;
            } else {
                a->sizes.target_width = x;
                a->sizes.target_height = y;
            }
            a->desc.size_conditioning = &a->sizes;
        } else if (!strcmp(o, "--lora")) {
            TAKES_VALUE if (!parse_lora(val, a)) return 0;
        } else if (!strcmp(o, "--lora-dir")) {
            TAKES_VALUE a->desc.lora_dir = val;
        } else if (!strcmp(o, "--embedding-dir")) {
            TAKES_VALUE a->desc.embedding_dir = val;
        } else if (!strcmp(o, "--device")) {
            TAKES_VALUE a->device = val;
        } else if (!strcmp(o, "--save")) {
            TAKES_VALUE a->save = val;
        } else if (!strcmp(o, "--save-plain")) {
            TAKES_VALUE a->save_plain = val;
        } else if (!strcmp(o, "--recipient") || !strcmp(o, "-r")) {
            TAKES_VALUE if (a->recipient_count == sizeof a->recipients / sizeof a->recipients[0]) {
                fprintf(stderr, "pixeen generate: at most 16 --recipient (use --recipients-file)\n");
                return 0;
            }
            a->recipients[a->recipient_count++] = val;
        } else if (!strcmp(o, "--recipients-file")) {
            TAKES_VALUE a->recipients_file = val;
        } else if (!strcmp(o, "--passphrase-file")) {
            TAKES_VALUE a->passphrase_file = val;
        } else if (!strcmp(o, "--decoder")) {
            TAKES_VALUE if (strncmp(val, "taesd:", 6) || !val[6]) {
                fprintf(stderr, "pixeen generate: --decoder takes taesd:DIR (a TAESD folder), not '%s'\n", val);
                return 0;
            }
            a->decoder = val + 6;
        } else if (!strcmp(o, "--preview-decoder")) {
            TAKES_VALUE if (strncmp(val, "taesd:", 6) || !val[6]) {
                fprintf(stderr, "pixeen generate: --preview-decoder takes taesd:DIR (a TAESD folder), not '%s'\n", val);
                return 0;
            }
            a->preview_decoder = val + 6;
        } else if (!strcmp(o, "--preview-every")) {
            TAKES_VALUE if (!parse_int(o, val, 1, 1000, &v)) return 0;
            a->preview_every = (int)v;
        } else if (!strcmp(o, "--hires-fix")) {
            a->hires = 1;
        } else if (!strcmp(o, "--hires-scale") || !strcmp(o, "--hires-strength")) {
            TAKES_VALUE char *end = NULL;
            double f = strtod(val, &end);
            int scale = !strcmp(o, "--hires-scale");
            if (!end || *end || !isfinite(f) || f <= 0 || f > (scale ? 16 : 1)) {
                fprintf(stderr, "pixeen generate: %s '%s' is not a number with 0 < %s <= %d\n", o, val, scale ? "F" : "S",
                        scale ? 16 : 1);
                return 0;
            }
            if (scale) a->hires_desc.scale = (float)f;
            else a->hires_desc.strength = (float)f;
            a->hires = 1;
        } else if (!strcmp(o, "--hires-width") || !strcmp(o, "--hires-height")) {
            TAKES_VALUE if (!parse_int(o, val, 8, 4096, &v)) return 0;
            if (!strcmp(o, "--hires-width")) a->hires_desc.width = (int)v;
            else a->hires_desc.height = (int)v;
            a->hires = 1;
        } else if (!strcmp(o, "--hires-steps")) {
            TAKES_VALUE if (!parse_int(o, val, 1, 1000, &v)) return 0;
            a->hires_desc.steps = (int)v;
            a->hires = 1;
        } else if (!strcmp(o, "--hires-upscaler")) {
            TAKES_VALUE if (!strcmp(val, "latent")) a->hires_desc.upscaler = PIXEEN_HIRES_UPSCALER_LATENT;
            else if (!strcmp(val, "latent-nearest")) a->hires_desc.upscaler = PIXEEN_HIRES_UPSCALER_LATENT_NEAREST;
            else if (!strcmp(val, "lanczos")) a->hires_desc.upscaler = PIXEEN_HIRES_UPSCALER_LANCZOS;
            else {
                fprintf(stderr, "pixeen generate: unknown hires upscaler '%s' (latent, latent-nearest, lanczos)\n", val);
                return 0;
            }
            a->hires = 1;
        } else if (!strcmp(o, "--init-image")) {
            TAKES_VALUE a->init_image = val;
        } else if (!strcmp(o, "--mask")) {
            TAKES_VALUE a->mask = val;
        } else if (!strcmp(o, "--strength")) {
            TAKES_VALUE char *end = NULL;
            double sv = strtod(val, &end);
            if (!end || *end || !isfinite(sv) || sv <= 0 || sv > 1) {
                fprintf(stderr, "pixeen generate: --strength '%s' is not a number with 0 < S <= 1\n", val);
                return 0;
            }
            a->strength = (float)sv;
            a->strength_given = 1;
        } else if (!strcmp(o, "-i") || !strcmp(o, "--identity")) {
            TAKES_VALUE a->identity = val;
        } else if (!strcmp(o, "--input-passphrase-file")) {
            TAKES_VALUE a->input_passphrase_file = val;
        } else if (!strcmp(o, "--history")) {
            a->history = 1;
        } else if (!strcmp(o, "--armor")) {
            a->armor = 1;
        } else if (!strcmp(o, "--no-metadata")) {
            a->no_metadata = 1;
        } else if (!strcmp(o, "--force")) {
            a->force = 1;
        } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
            a->verbose = 1;
        } else {
            fprintf(stderr, "pixeen generate: unknown option '%s' (see pixeen generate --help)\n", o);
            return 0;
        }
#undef TAKES_VALUE
    }
    if (!a->model || !a->desc.prompt) {
        fprintf(stderr, "pixeen generate: -m MODEL and -p PROMPT are required (see pixeen generate --help)\n");
        return 0;
    }
    if ((a->desc.width && a->desc.width % 8) || (a->desc.height && a->desc.height % 8)) {
        fprintf(stderr, "pixeen generate: width and height must be multiples of 8 (got %dx%d)\n", a->desc.width,
                a->desc.height);
        return 0;
    }
    if (a->hires && a->init_image) {
        fprintf(stderr, "pixeen generate: the hires fix follows text to image; it does not go with --init-image\n");
        return 0;
    }
    if (a->hires && (a->hires_desc.width % 8 || a->hires_desc.height % 8)) {
        fprintf(stderr, "pixeen generate: --hires-width and --hires-height must be multiples of 8 (got %dx%d)\n",
                a->hires_desc.width, a->hires_desc.height);
        return 0;
    }
    if (a->preview_every && !a->preview_decoder) {
        fprintf(stderr, "pixeen generate: --preview-every goes with --preview-decoder\n");
        return 0;
    }
    if (a->hires) {
        a->more.hires = &a->hires_desc;
        a->desc.more = &a->more;
    }
    if ((a->mask || a->strength_given) && !a->init_image) {
        fprintf(stderr, "pixeen generate: --mask and --strength go with --init-image\n");
        return 0;
    }
    if ((a->recipient_count || a->recipients_file || a->passphrase_file) && !a->save) {
        fprintf(stderr, "pixeen generate: --recipient, --recipients-file and --passphrase-file go with --save\n");
        return 0;
    }
    if (a->save && a->passphrase_file && (a->recipient_count || a->recipients_file)) {
        fprintf(stderr, "pixeen generate: encrypt to recipients or to a passphrase, not both\n");
        return 0;
    }
    return 1;
}

typedef struct progress_state {
    int tty, quiet;
} progress_state;

static void on_progress(int step, int total, double elapsed, void *user) {
    progress_state *p = user;
    if (p->quiet) return;
    double rate = elapsed > 0 ? step / elapsed : 0;
    double eta = rate > 0 ? (total - step) / rate : 0;
    if (p->tty) {
        char bar[31];
        int filled = total ? step * 30 / total : 30;
        for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\rstep %3d/%-3d [%s] %5.2f it/s, ETA %4.0f s%s", step, total, bar, rate, eta,
                step == total ? "\n" : "");
    } else {
        fprintf(stderr, "step %d/%d, %.2f it/s, ETA %.0f s\n", step, total, rate, eta);
    }
}

/* --preview-decoder: what the previews were (the CLI shows none: nothing is written). */
typedef struct preview_report {
    int verbose, count, width, height, last_step;
    double mean[3];
} preview_report;

static void on_preview(const uint8_t *rgb, int width, int height, int step, int total, void *user) {
    preview_report *r = user;
    double sum[3] = {0, 0, 0};
    size_t pixels = (size_t)width * (size_t)height;
    for (size_t i = 0; i < pixels; i++)
        for (int c = 0; c < 3; c++) sum[c] += rgb[i * 3 + c];
    for (int c = 0; c < 3; c++) r->mean[c] = pixels ? sum[c] / (double)pixels : 0.0;
    r->count++;
    r->width = width;
    r->height = height;
    r->last_step = step;
    if (r->verbose)
        fprintf(stderr, "preview at step %d/%d: %dx%d, mean RGB %.1f %.1f %.1f\n", step, total, width, height, r->mean[0],
                r->mean[1], r->mean[2]);
}

/* Reads an editing input: a picture file, or an age file holding one (decrypted in locked memory
 * with --identity or a passphrase). Prints the reason and returns 0 on failure. */
static int load_picture(const generate_args *a, const char *path, pixeen_picture **out) {
    int uses = 0;
    pixeen_secret *pass = NULL;
    pixeen_open_desc open = {.identity_file = a->identity};
    pixeen_status st = PIXEEN_OK;
    if (pixeen_vault_file_uses_passphrase(path, &uses) == PIXEEN_OK && uses) {
        char prompt[512];
        snprintf(prompt, sizeof prompt, "Passphrase for %s: ", path);
        st = pixeen_passphrase_read(a->input_passphrase_file, prompt, 0, &pass);
        open.passphrase = pass;
    }
    if (st == PIXEEN_OK) st = pixeen_picture_load(&(pixeen_picture_desc){.path = path, .open = &open}, out);
    pixeen_secret_destroy(pass);
    if (st != PIXEEN_OK) {
        fprintf(stderr, "pixeen generate: cannot read %s: %s\n", path, pixeen_last_error());
        return 0;
    }
    return 1;
}

static void free_args(generate_args *a) {
    for (int i = 0; i < a->desc.lora_count; i++) free(a->lora_paths[i]);
    pixeen_secret_destroy(a->save_passphrase);
}

/* --save without recipients encrypts to a passphrase: it is read (or asked for) before the
 * generation, so a missing terminal, a FIFO nobody writes or two entries that differ fail at
 * once instead of after minutes of work. Prints the reason and returns 0 on failure. */
static int read_save_passphrase(generate_args *a) {
    if (!a->save || a->recipient_count || a->recipients_file) return 1;
    pixeen_status st = pixeen_passphrase_read(a->passphrase_file, "Passphrase for the saved image: ",
                                              a->passphrase_file == NULL, &a->save_passphrase);
    if (st == PIXEEN_OK) return 1;
    cli_fail(st, "cannot read the passphrase");
    return 0;
}

int cmd_generate(int argc, char **argv) {
    generate_args a = {0};
    if (!parse_args(argc, argv, &a)) {
        free_args(&a);
        return 2;
    }
    if (!read_save_passphrase(&a)) {
        free_args(&a);
        return 1;
    }
    pixeen_picture *init = NULL, *mask = NULL;
    if (a.init_image && !load_picture(&a, a.init_image, &init)) {
        free_args(&a);
        return 1;
    }
    if (a.mask && !load_picture(&a, a.mask, &mask)) {
        pixeen_picture_destroy(init);
        free_args(&a);
        return 1;
    }
    pixeen_edit_desc edit = {.init_image = init, .mask = mask, .strength = a.strength};
    if (init) a.desc.edit = &edit;
    /* --verbose: the library's info messages (model memory, arena sizes, timings) on stderr. */
    if (a.verbose && !getenv("PIXEEN_LOG")) cli_setenv("PIXEEN_LOG", "info");
    pixeen_context *ctx = NULL;
    pixeen_status status = pixeen_context_create(&(pixeen_context_desc){.device = a.device}, &ctx);
    if (status != PIXEEN_OK) {
        pixeen_picture_destroy(init);
        pixeen_picture_destroy(mask);
        free_args(&a);
        return cli_fail(status, "cannot start the GPU");
    }
    if (a.verbose) fprintf(stderr, "device: %s\n", pixeen_context_device_name(ctx));
    pixeen_model *model = NULL;
    pixeen_model_desc mdesc = {.path = a.model, .tokenizer_dir = a.tokenizer, .tokenizer_2_dir = a.tokenizer2,
                               .prediction = a.prediction, .spacing = a.spacing,
                               .precision = a.precision_fp32 ? PIXEEN_PRECISION_FP32 : PIXEEN_PRECISION_FP16};
    status = pixeen_model_load(ctx, &mdesc, &model);
    if (status != PIXEEN_OK) {
        int rc = cli_fail(status, "cannot load the model");
        pixeen_context_destroy(ctx);
        pixeen_picture_destroy(init);
        pixeen_picture_destroy(mask);
        free_args(&a);
        return rc;
    }
    pixeen_model *decoder = NULL, *preview_decoder = NULL;
    pixeen_decoders_desc decoders = {0};
    preview_report previews = {.verbose = a.verbose};
    for (int which = 0; which < 2; which++) {
        const char *dir = which ? a.preview_decoder : a.decoder;
        pixeen_model **slot = which ? &preview_decoder : &decoder;
        if (!dir) continue;
        status = pixeen_model_load(ctx, &(pixeen_model_desc){.path = dir, .precision = mdesc.precision}, slot);
        if (status != PIXEEN_OK) {
            int rc = cli_fail(status, which ? "cannot load the TAESD preview decoder" : "cannot load the TAESD decoder");
            pixeen_model_destroy(decoder);
            pixeen_model_destroy(model);
            pixeen_context_destroy(ctx);
            pixeen_picture_destroy(init);
            pixeen_picture_destroy(mask);
            free_args(&a);
            return rc;
        }
        a.desc.decoders = &decoders;
    }
    decoders.decoder = decoder;
    decoders.preview_decoder = preview_decoder;
    if (preview_decoder) {
        a.desc.preview = on_preview;
        a.desc.preview_user = &previews;
        a.desc.preview_every = a.preview_every;
    }
    progress_state progress = {isatty(STDERR_FILENO), a.quiet};
    a.desc.progress = on_progress;
    a.desc.progress_user = &progress;
    pixeen_image *image = NULL;
    status = pixeen_generate(model, &a.desc, &image);
    int rc = 0;
    if (status != PIXEEN_OK) {
        rc = cli_fail(status, "generation failed");
    } else {
        pixeen_image_info info;
        pixeen_image_get_info(image, &info);
        if ((a.desc.seed == -1 && !a.desc.seed_unsigned) || !a.quiet)
            fprintf(stderr, "seed: %llu\n", (unsigned long long)(uint64_t)info.seed);
        if (preview_decoder && !a.verbose && !a.quiet)
            fprintf(stderr, "previews: %d by the TAESD, %dx%d, the last at step %d\n", previews.count, previews.width,
                    previews.height, previews.last_step);
        pixeen_model_info minfo;
        pixeen_model_get_info(model, &minfo);
        cli_save_options save = {.desc = &a.desc, .model_path = a.model,
                                 .first_width = a.desc.width ? a.desc.width : minfo.default_width,
                                 .first_height = a.desc.height ? a.desc.height : minfo.default_height, .save = a.save, .save_plain = a.save_plain,
                                 .recipients = a.recipients, .recipient_count = a.recipient_count,
                                 .recipients_file = a.recipients_file, .passphrase = a.save_passphrase,
                                 .armor = a.armor, .force = a.force, .no_metadata = a.no_metadata, .quiet = a.quiet,
                                 .history = a.history};
        rc = cli_save_image(image, &save);
        if (!a.save && !a.save_plain && !a.history && !a.quiet)
            fprintf(stderr, "generated %d image(s) of %dx%d; nothing was written (use --save or --save-plain)\n",
                    info.count, info.width, info.height);
    }
    if (a.verbose) pixeen_context_profile_print(ctx, stderr);
    pixeen_image_destroy(image);
    pixeen_picture_destroy(init);
    pixeen_picture_destroy(mask);
    pixeen_model_destroy(decoder);
    pixeen_model_destroy(preview_decoder);
    pixeen_model_destroy(model);
    pixeen_context_destroy(ctx);
    free_args(&a);
    return rc;
}
