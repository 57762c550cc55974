/* cmd_bench.c — `pixeen bench [options]` and `pixeen bench --compare A.json B.json`. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void bench_usage(FILE *out) {
    fprintf(out,
            "usage: pixeen bench [--quick] [--filter TEXT] [--device INDEX|NAME] [--json FILE] [--repeat N]\n"
            "                    [--time-limit SECONDS] [--list]\n"
            "       pixeen bench --pipeline [-m MODEL] [--quick] [--filter PIECE] [--repeat N] [--precision fp16|fp32]\n"
            "                    [--json FILE]\n"
            "       pixeen bench --compare A.json B.json\n"
            "Measures the device's FMA and bandwidth ceilings, then validates and times every operator\n"
            "benchmark case (GPU timestamps, median of repeated runs) and reports time, GFLOP/s or GB/s\n"
            "and the share of the ceiling.\n"
            "  --quick          a ~20-second pass: ceilings and a few representative cases\n"
            "  --filter TEXT    only cases whose family or name contains TEXT\n"
            "  --device SEL     device index or name substring (default: $PIXEEN_DEVICE, else the best)\n"
            "  --json FILE      also write the results as JSON\n"
            "  --repeat N       timed runs per case (default: adaptive, ~0.5 s per case)\n"
            "  --time-limit S   skip the cases that would end the run past S seconds\n"
            "                   (default 150, 25 with --quick; 0: no limit)\n"
            "  --list           list the cases and exit\n"
            "  --compare A B    print two JSON result files side by side (ratio B/A)\n"
            "  --pipeline       time a generation's pieces on a model's real graphs instead: the text\n"
            "                   encoder, one UNet step (batch 2, CFG) and the VAE decode at 256 and 512 px\n"
            "                   (--quick: 64 px, one run), each with its per-operator breakdown\n"
            "  -m MODEL         the model for --pipeline (required; for real figures a checkpoint or the\n"
            "                   full-size `build/tools/make_test_model --config sd15`)\n"
            "  --precision P    --pipeline's activations: fp16 (default) or fp32\n"
            "                   (with --pipeline, --filter picks pieces: \"unet step b2 512x512\", \"256x256\")\n"
            "Exit status: 0 all cases passed, 1 a case failed validation or an error, 2 usage.\n"
            "On lavapipe leave LP_NUM_THREADS unset: the bench measures the driver as users run it.\n");
}

int cmd_bench(int argc, char **argv) {
    pixeen_bench_desc desc = {0};
    const char *compare_a = NULL, *compare_b = NULL, *model = NULL;
    bool pipeline = false;
    pixeen_precision precision = PIXEEN_PRECISION_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            bench_usage(stdout);
            return 0;
        } else if (!strcmp(arg, "--quick")) {
            desc.quick = 1;
        } else if (!strcmp(arg, "--pipeline")) {
            pipeline = true;
        } else if ((!strcmp(arg, "-m") || !strcmp(arg, "--model")) && has_value) {
            model = argv[++i];
        } else if (!strcmp(arg, "--precision") && has_value) {
            const char *p = argv[++i];
            if (strcmp(p, "fp16") && strcmp(p, "fp32")) {
                fprintf(stderr, "pixeen bench: --precision takes fp16 or fp32, not '%s'\n", p);
                return 2;
            }
            precision = strcmp(p, "fp32") ? PIXEEN_PRECISION_FP16 : PIXEEN_PRECISION_FP32;
        } else if (!strcmp(arg, "--list")) {
            desc.list = 1;
        } else if (!strcmp(arg, "--filter") && has_value) {
            desc.filter = argv[++i];
        } else if (!strcmp(arg, "--device") && has_value) {
            desc.device = argv[++i];
        } else if (!strcmp(arg, "--json") && has_value) {
            desc.json_path = argv[++i];
        } else if (!strcmp(arg, "--repeat") && has_value) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || n < 1 || n > 100000) {
                fprintf(stderr, "pixeen bench: --repeat takes a count from 1 to 100000, not '%s'\n", argv[i]);
                return 2;
            }
            desc.repeat = (int)n;
        } else if (!strcmp(arg, "--time-limit") && has_value) {
            char *end;
            double s = strtod(argv[++i], &end);
            if (*end || end == argv[i] || !(s >= 0 && s <= 1e6)) {
                fprintf(stderr, "pixeen bench: --time-limit takes seconds (0: no limit), not '%s'\n", argv[i]);
                return 2;
            }
            desc.time_limit_s = s > 0 ? s : -1;
        } else if (!strcmp(arg, "--compare") && i + 2 < argc) {
            compare_a = argv[++i];
            compare_b = argv[++i];
        } else {
            bool known = !strcmp(arg, "--filter") || !strcmp(arg, "--device") || !strcmp(arg, "--json") ||
                         !strcmp(arg, "--repeat") || !strcmp(arg, "--compare") || !strcmp(arg, "--time-limit") ||
                         !strcmp(arg, "-m") || !strcmp(arg, "--model") || !strcmp(arg, "--precision");
            if (known)
                fprintf(stderr, "pixeen bench: %s needs %s\n\n", arg,
                        !strcmp(arg, "--compare") ? "two JSON files" : "a value");
            else
                fprintf(stderr, "pixeen bench: unknown option '%s'\n\n", arg);
            bench_usage(stderr);
            return 2;
        }
    }
    if (compare_a) {
        pixeen_status status = pixeen_bench_compare(compare_a, compare_b, stdout);
        return status == PIXEEN_OK ? 0 : cli_fail(status, "bench --compare");
    }
    if (pipeline) {
        if (desc.list || desc.time_limit_s != 0) {
            fprintf(stderr, "pixeen bench: --pipeline takes -m, --quick, --filter, --repeat, --precision, --json and "
                            "--device\n");
            return 2;
        }
        pixeen_bench_pipeline_desc p = {.model = model, .device = desc.device, .json_path = desc.json_path,
                                        .quick = desc.quick, .repeat = desc.repeat, .precision = precision,
                                        .filter = desc.filter};
        pixeen_status status = pixeen_bench_pipeline(&p);
        return status == PIXEEN_OK ? 0 : cli_fail(status, "bench --pipeline");
    }
    if (model || precision != PIXEEN_PRECISION_DEFAULT) {
        fprintf(stderr, "pixeen bench: -m and --precision go with --pipeline\n");
        return 2;
    }
    pixeen_status status = pixeen_bench_run(&desc);
    if (status != PIXEEN_OK) return cli_fail(status, "bench");
    return 0;
}
