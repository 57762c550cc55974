/* test_bench_pipeline.c — `pixeen bench --pipeline --quick` (pixeen_bench_pipeline) on the tiny
 * SD 1.5 model, as a check that every piece builds, runs and gives finite outputs (no timing is
 * asserted): the JSON it writes reads back with every piece present and passed, each with a
 * per-operator breakdown; `--compare` of two such files works; the CLI without -m is refused and
 * with it leaves no temporary folder; bad descriptors are refused. */
#include <dirent.h>
#include <unistd.h>

#include "bench/runner.h"
#include "gpu_test.h"
#include "pixeen/pixeen.h"

static char tmp_dir[] = "/tmp/pixeen-test-bench-pipeline-XXXXXX";

static const bench_result *find(const bench_report *r, const char *family, const char *name) {
    for (uint32_t i = 0; i < r->count; i++)
        if (!strcmp(r->results[i].family, family) && !strcmp(r->results[i].name, name)) return &r->results[i];
    return NULL;
}

/* Labels in the breakdown of `piece` whose name contains `label`. */
static uint32_t ops_of(const bench_report *r, const char *piece, const char *label) {
    uint32_t n = 0;
    size_t len = strlen(piece);
    for (uint32_t i = 0; i < r->count; i++) {
        const bench_result *x = &r->results[i];
        if (!strcmp(x->family, "pipeline.op") && !strncmp(x->name, piece, len) && x->name[len] == ':' &&
            strstr(x->name + len, label) && x->ok && x->median_ms > 0)
            n++;
    }
    return n;
}

/* pixeen-bench-* folders in TMPDIR: the tiny model's folder must not outlive the run. */
static int bench_tmp_count(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += !strncmp(e->d_name, "pixeen-bench-", 13);
    closedir(d);
    return n;
}

int main(void) {
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    gpu_context *ctx = gpu_test_context(); /* skips without a device; counts validation messages */
    char model[4096];
    snprintf(model, sizeof model, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    char json_a[256], json_b[256];
    snprintf(json_a, sizeof json_a, "%s/a.json", tmp_dir);
    snprintf(json_b, sizeof json_b, "%s/b.json", tmp_dir);

    CHECK_STATUS(pixeen_bench_pipeline(NULL), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.repeat = -1}), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.reserved[2] = 1}), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.model = "/nonexistent/model.safetensors", .quick = 1}) !=
          PIXEEN_OK);
    CHECK_STATUS(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.quick = 1}), PIXEEN_ERROR_INVALID_ARGUMENT);

    /* The API on the tiny model from tests/data. */
    CHECK_OK(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.model = model, .quick = 1, .json_path = json_a}));
    bench_report r;
    CHECK_OK(bench_report_read(json_a, &r));
    const char *pieces[] = {"text encoder b2", "unet step b2 64x64", "vae decode b1 64x64"};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        const bench_result *x = find(&r, "pipeline", pieces[i]);
        CHECK(x && x->ok && x->median_ms > 0 && x->runs == 1);
        if (!x) fprintf(stderr, "missing piece: %s\n", pieces[i]);
    }
    /* Breakdowns: the operators each network is made of. */
    /* CLIP's causal attention runs unfused: its products are "matmul", its softmax "softmax". */
    CHECK(ops_of(&r, "text encoder b2", "matmul") == 1 && ops_of(&r, "text encoder b2", "softmax") == 1);
    CHECK(ops_of(&r, "unet step b2 64x64", "conv2d") >= 1 && ops_of(&r, "unet step b2 64x64", "group_norm") >= 1);
    CHECK(ops_of(&r, "vae decode b1 64x64", "conv2d") >= 1);
    CHECK(!find(&r, "pipeline", "unet step b2 128x128")); /* quick: one size */
    CHECK(r.quick && r.device.name[0]);
    bench_report_free(&r);
    /* A filter that matches no piece is an error (one that does: the CLI run below). */
    CHECK_STATUS(pixeen_bench_pipeline(&(pixeen_bench_pipeline_desc){.model = model, .quick = 1, .filter = "no such"}),
                 PIXEEN_ERROR_INVALID_ARGUMENT);

    /* The CLI as the README spells it, fp32, only the UNet step; without -m it is refused. */
    const char *bin = getenv("PIXEEN_TEST_BIN");
    if (bin) {
        char cmd[16384];
        int before = bench_tmp_count(tmp_dir);
        snprintf(cmd, sizeof cmd, "%s/src/pixeen bench --pipeline --quick 2>/dev/null", bin);
        CHECK(system(cmd) != 0);
        snprintf(cmd, sizeof cmd, "TMPDIR=%s %s/src/pixeen bench --pipeline -m %s --quick --precision fp32 --filter 'unet step' --json %s",
                 tmp_dir, bin, model, json_b);
        CHECK(system(cmd) == 0);
        CHECK_OK(bench_report_read(json_b, &r));
        const bench_result *u = find(&r, "pipeline", "unet step b2 64x64");
        CHECK(u && u->ok && !strcmp(u->dtype, "f32") && !find(&r, "pipeline", "text encoder b2") &&
              !find(&r, "pipeline", "vae decode b1 64x64"));
        bench_report_free(&r);
        CHECK(bench_tmp_count(tmp_dir) == before);
        snprintf(cmd, sizeof cmd, "%s/src/pixeen bench --compare %s %s > %s/compare.txt", bin, json_a, json_b, tmp_dir);
        CHECK(system(cmd) == 0);
        snprintf(cmd, sizeof cmd, "grep -q 'unet step b2 64x64' %s/compare.txt", tmp_dir);
        CHECK(system(cmd) == 0);
        snprintf(cmd, sizeof cmd, "%s/src/pixeen bench --pipeline --list 2>/dev/null", bin);
        CHECK(WEXITSTATUS(system(cmd)) == 2);
        snprintf(cmd, sizeof cmd, "%s/src/pixeen bench -m %s 2>/dev/null", bin, model);
        CHECK(WEXITSTATUS(system(cmd)) == 2);
    } else {
        printf("PIXEEN_TEST_BIN unset: the CLI part is skipped\n");
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
    CHECK(system(cmd) == 0);
    return gpu_test_finish(ctx);
}
