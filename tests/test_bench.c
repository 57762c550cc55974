/* test_bench.c — `pixeen bench`: collecting cases (filter, duplicate names), the runner on the
 * basic cases and on fake cases (one deliberately wrong, so the FAILED path and the non-zero status
 * are proven; one whose setup fails), the JSON report written and read back, --compare on two
 * files, malformed JSON files rejected with errors that name the field, and the public entry
 * points' argument checks. Ceilings are measured in their tiny test mode and cases are timed with
 * a fixed repeat of 2, so the whole test takes seconds with LP_NUM_THREADS=0. */
#include <unistd.h>

#include "bench/runner.h"
#include "gpu_test.h"
#include "ops/ops.h"

/* ---- fake cases ---- */

/* A small add whose validate compares against a*b instead of a+b: must be reported FAILED. */
typedef struct fake_state {
    tensor a, b, out;
} fake_state;

#define FAKE_N 4096

static pixeen_status fake_setup(bench_case *c, gpu_context *ctx, void **state) {
    (void)c;
    fake_state *s = calloc(1, sizeof *s);
    static float data[FAKE_N];
    for (int i = 0; i < FAKE_N; i++) data[i] = 1.0f + (float)(i % 7);
    tensor *ts[3] = {&s->a, &s->b, &s->out};
    for (int k = 0; k < 3; k++) {
        *ts[k] = (tensor){.dtype = DTYPE_F32, .rank = 1, .shape = {FAKE_N}};
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, sizeof data, "fake", &ts[k]->buffer));
        if (k < 2) PX_TRY(gpu_buffer_upload(ctx, ts[k]->buffer, 0, data, sizeof data));
    }
    *state = s;
    return PIXEEN_OK;
}

static void fake_record(bench_case *c, void *state, gpu_recorder *rec) {
    (void)c;
    fake_state *s = state;
    op_binary_record(rec, OP_BINARY_ADD, &s->a, &s->b, 1, &s->out);
}

/* An operator that rejects its shapes (b longer than a): the recording fails. */
static void fake_record_bad(bench_case *c, void *state, gpu_recorder *rec) {
    (void)c;
    fake_state *s = state;
    tensor shorter = s->out;
    shorter.shape[0] = FAKE_N / 2;
    op_binary_record(rec, OP_BINARY_ADD, &s->a, &s->b, 1, &shorter);
}

/* Right: out = a + b = 2a. */
static pixeen_status fake_validate_right(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    (void)c;
    fake_state *s = state;
    float got[FAKE_N];
    PX_TRY(gpu_buffer_download(ctx, s->out.buffer, 0, got, sizeof got));
    double worst = 0;
    for (int i = 0; i < FAKE_N; i++) worst = fmax(worst, fabs(got[i] - 2.0 * (1 + i % 7)));
    *max_rel = worst / 14;
    return PIXEEN_OK;
}

/* Deliberately wrong: expects a * b. */
static pixeen_status fake_validate_wrong(bench_case *c, void *state, gpu_context *ctx, double *max_rel) {
    (void)c;
    fake_state *s = state;
    float got[FAKE_N];
    PX_TRY(gpu_buffer_download(ctx, s->out.buffer, 0, got, sizeof got));
    double worst = 0;
    for (int i = 0; i < FAKE_N; i++) worst = fmax(worst, fabs(got[i] - (1.0 + i % 7) * (1 + i % 7)));
    *max_rel = worst / 49;
    return PIXEEN_OK;
}

static pixeen_status fake_setup_fails(bench_case *c, gpu_context *ctx, void **state) {
    (void)c;
    (void)ctx;
    *state = NULL;
    return error_set(PIXEEN_ERROR_GPU_OUT_OF_MEMORY, "fake: setup refused on purpose");
}

static int teardowns;

static void fake_teardown(bench_case *c, void *state) {
    (void)c;
    fake_state *s = state;
    teardowns++;
    gpu_buffer_destroy(s->a.buffer);
    gpu_buffer_destroy(s->b.buffer);
    gpu_buffer_destroy(s->out.buffer);
    free(s);
}

static void fake_case(bench_case *c, const char *name, double flops,
                      pixeen_status (*setup)(bench_case *, gpu_context *, void **),
                      pixeen_status (*validate)(bench_case *, void *, gpu_context *, double *)) {
    memset(c, 0, sizeof *c);
    c->family = "fake";
    snprintf(c->name, sizeof c->name, "%s", name);
    c->flops = flops;
    c->bytes = 3.0 * FAKE_N * 4;
    c->dtype = DTYPE_F32;
    c->tolerance = 1e-6;
    c->setup = setup;
    c->record = fake_record;
    c->validate = validate;
    c->teardown = fake_teardown;
}

static uint32_t fake_provider(bench_case *out, uint32_t max, bool quick) {
    (void)quick;
    if (max < 5) return 0;
    fake_case(&out[0], "add right", 0, fake_setup, fake_validate_right);
    fake_case(&out[1], "add checked as mul", 0, fake_setup, fake_validate_wrong);
    fake_case(&out[2], "setup fails", 0, fake_setup_fails, fake_validate_right);
    /* Pretends to do arithmetic: exercises the compute-bound share. */
    fake_case(&out[3], "add right", 1e6, fake_setup, fake_validate_right); /* duplicate name */
    fake_case(&out[4], "record fails", 0, fake_setup, fake_validate_right);
    out[4].record = fake_record_bad;
    return 5;
}

/* ---- helpers ---- */

static char tmp_dir[64];

static const char *tmp_path(const char *name) {
    static char path[2][128];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", tmp_dir, name);
    return path[k];
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static bool close_to(double a, double b) { return fabs(a - b) <= 1e-13 * fmax(fabs(a), fabs(b)); }

static const bench_result *find_result(const bench_report *r, const char *family, const char *name) {
    for (uint32_t i = 0; i < r->count; i++)
        if (!strcmp(r->results[i].family, family) && !strcmp(r->results[i].name, name)) return &r->results[i];
    return NULL;
}

/* ---- tests ---- */

static void test_collect(void) {
    bench_case *cases;
    uint32_t count;
    bench_provider providers[] = {{"basic", bench_cases_basic}, {"fake", fake_provider}};
    CHECK_OK(bench_collect(providers, 2, &(bench_options){0}, &cases, &count));
    CHECK(count == 8 + 5);
    CHECK(!strcmp(cases[8 + 3].name, "add right #2")); /* duplicates made unique */
    free(cases);
    CHECK_OK(bench_collect(providers, 2, &(bench_options){.filter = "reduce"}, &cases, &count));
    CHECK(count == 2);
    for (uint32_t i = 0; i < count; i++) CHECK(!strcmp(cases[i].family, "reduce"));
    free(cases);
    CHECK_OK(bench_collect(providers, 2, &(bench_options){.filter = "mul"}, &cases, &count));
    CHECK(count == 2); /* by name: "mul [2,4096,1280] f16", "add checked as mul" */
    free(cases);
    CHECK_OK(bench_collect(providers, 1, &(bench_options){.quick = true}, &cases, &count));
    CHECK(count >= 1 && count < 8);
    free(cases);
}

static void test_run(gpu_context *ctx, bench_report *report) {
    bench_case *cases;
    uint32_t count;
    bench_provider providers[] = {{"basic", bench_cases_basic}, {"fake", fake_provider}};
    /* No time limit: on a loaded machine the default one could skip cases this test expects. */
    bench_options opt = {.quick = true, .repeat = 2, .tiny_ceilings = true, .time_limit_s = -1};
    CHECK_OK(bench_collect(providers, 2, &opt, &cases, &count));
    teardowns = 0;
    CHECK_STATUS(bench_run(ctx, &opt, cases, count, stdout, report), PIXEEN_ERROR_VALIDATION);
    CHECK(strstr(error_message(), "3 of") != NULL); /* wrong validate, failed setup, failed record */
    CHECK(report->count == count);
    CHECK(report->failed == 3);
    CHECK(teardowns == 4); /* after every successful setup, none after the failed one */
    CHECK(report->ceilings.fp32_gflops > 0);
    CHECK(report->ceilings.bandwidth_gbs > 0);
    CHECK(report->ceilings.shader_copy_gbs > 0 && report->ceilings.transfer_copy_gbs > 0);
    CHECK(report->ceilings.fma_count >= 2);
    CHECK(report->device.name[0] && report->date[0] && report->pixeen_version[0]);

    const bench_result *wrong = find_result(report, "fake", "add checked as mul");
    CHECK(wrong && !wrong->ok && strstr(wrong->error, "tolerance") && wrong->runs == 0);
    const bench_result *refused = find_result(report, "fake", "setup fails");
    CHECK(refused && !refused->ok && strstr(refused->error, "setup refused on purpose"));
    const bench_result *bad_record = find_result(report, "fake", "record fails");
    CHECK(bad_record && !bad_record->ok && strstr(bad_record->error, "record: ") && strstr(bad_record->error, "binary"));
    const bench_result *right = find_result(report, "fake", "add right");
    CHECK(right && right->ok && right->runs == 2 && right->median_ms > 0 && right->gbs > 0);
    CHECK(right && right->bound == BENCH_BOUND_MEMORY && right->share == right->bandwidth_share);
    const bench_result *arith = find_result(report, "fake", "add right #2");
    CHECK(arith && arith->ok && arith->gflops > 0 && arith->compute_share > 0);
    uint32_t basic_ok = 0;
    for (uint32_t i = 0; i < report->count; i++) {
        const bench_result *r = &report->results[i];
        if (strcmp(r->family, "fake") != 0) {
            CHECK(r->ok);
            basic_ok += r->ok;
            CHECK(r->median_ms > 0 && r->min_ms <= r->median_ms && r->median_ms <= r->max_ms);
            CHECK(r->max_rel <= r->tolerance);
            if (!r->ok) printf("basic case failed: %s %s: %s\n", r->family, r->name, r->error);
        }
    }
    CHECK(basic_ok >= 1);
    free(cases);
}

/* A time limit already spent by the ceilings: every case is skipped, which is not an error. */
static void test_time_limit(gpu_context *ctx) {
    bench_case *cases;
    uint32_t count;
    bench_provider providers[] = {{"fake", fake_provider}};
    bench_options opt = {.repeat = 1, .tiny_ceilings = true, .time_limit_s = 1e-3};
    CHECK_OK(bench_collect(providers, 1, &opt, &cases, &count));
    bench_report report;
    teardowns = 0;
    CHECK_OK(bench_run(ctx, &opt, cases, count, stdout, &report));
    CHECK(report.count == count && report.skipped == count && report.failed == 0 && teardowns == 0);
    CHECK(report.results[0].skipped && !report.results[0].ok && strstr(report.results[0].error, "time limit"));
    CHECK_OK(bench_report_write_json(&report, tmp_path("skipped.json")));
    bench_report back;
    CHECK_OK(bench_report_read(tmp_path("skipped.json"), &back));
    CHECK(back.skipped == count && back.failed == 0 && back.results[0].skipped && back.time_limit_s == 1e-3);
    bench_report_free(&back);
    bench_report_free(&report);
    free(cases);
}

static void test_json_round_trip(const bench_report *report) {
    const char *path = tmp_path("a.json");
    CHECK_OK(bench_report_write_json(report, path));
    bench_report back;
    CHECK_OK(bench_report_read(path, &back));
    CHECK(back.count == report->count && back.failed == report->failed);
    CHECK(!strcmp(back.device.name, report->device.name));
    CHECK(!strcmp(back.device.api_version, report->device.api_version));
    CHECK(back.device.driver_id == report->device.driver_id);
    CHECK(close_to(back.ceilings.fp32_gflops, report->ceilings.fp32_gflops));
    CHECK(back.ceilings.fma_count == report->ceilings.fma_count);
    CHECK(back.quick == report->quick && back.repeat == report->repeat);
    for (uint32_t i = 0; i < back.count && i < report->count; i++) {
        const bench_result *x = &report->results[i], *y = &back.results[i];
        CHECK(!strcmp(x->family, y->family) && !strcmp(x->name, y->name) && x->ok == y->ok);
        /* cJSON prints 15 significant digits when they read back within an ulp or so. */
        CHECK(close_to(x->median_ms, y->median_ms) && close_to(x->gbs, y->gbs) && close_to(x->share, y->share));
        CHECK(x->bound == y->bound && x->runs == y->runs);
        CHECK(!strcmp(x->error, y->error));
    }
    /* No temporary file is left beside it. */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp >/dev/null", tmp_dir);
    CHECK(system(cmd) != 0);
    bench_report_free(&back);
    /* An unwritable destination fails cleanly. */
    CHECK_STATUS(bench_report_write_json(report, "/nonexistent-dir/x.json"), PIXEEN_ERROR_IO);
}

static void test_compare_reports(const bench_report *report) {
    /* B: every time halved (throughput doubled), one case dropped, one added. */
    bench_report b = *report;
    b.results = calloc(report->count + 1, sizeof *b.results);
    b.count = 0;
    for (uint32_t i = 0; i < report->count; i++) {
        if (!strcmp(report->results[i].name, "add right #2")) continue;
        bench_result r = report->results[i];
        r.median_ms /= 2;
        r.gflops *= 2;
        r.gbs *= 2;
        b.results[b.count++] = r;
    }
    bench_result extra = {.family = "fake", .name = "only in b", .dtype = "f32", .ok = true, .median_ms = 1, .runs = 1};
    b.results[b.count++] = extra;
    snprintf(b.device.name, sizeof b.device.name, "second device");
    CHECK_OK(bench_report_write_json(&b, tmp_path("b.json")));
    free(b.results);

    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    CHECK_OK(pixeen_bench_compare(tmp_path("a.json"), tmp_path("b.json"), mem));
    fclose(mem);
    printf("%s", text);
    CHECK(strstr(text, "second device") != NULL);
    CHECK(strstr(text, "only in A: fake add right #2") != NULL);
    CHECK(strstr(text, "only in B: fake only in b") != NULL);
    CHECK(strstr(text, "    2.00\n") != NULL); /* ratio B/A of a passed case */
    CHECK(strstr(text, "FAILED") != NULL);     /* the failed case is shown as such */
    free(text);

    CHECK_STATUS(pixeen_bench_compare(tmp_path("a.json"), tmp_path("missing.json"), NULL), PIXEEN_ERROR_IO);
    CHECK(strstr(pixeen_last_error(), "missing.json") != NULL);
}

/* Each malformed document and a fragment its error message must contain. */
static void test_malformed(void) {
    static const char *const head = "{\"schema\":\"pixeen-bench\",\"schema_version\":1,\"device\":{\"name\":\"d\"},"
                                     "\"ceilings\":{\"fp32_gflops\":1,\"fp16_gflops\":2,\"bandwidth_gbs\":3},";
    static const struct {
        const char *tail; /* appended to head; a leading '!' means the whole document */
        const char *error;
    } bad[] = {
        {"!", "empty"},
        {"!{", "not valid JSON (error near line 1"},
        {"!{\n  \"schema\": pixeen\n}", "line 2, column 13"},
        {"![]", "(top level): expected an object, found an array"},
        {"!{\"schema\":\"other\"}", "schema is \"other\""},
        {"!{\"schema\":\"pixeen-bench\",\"schema_version\":2}", "schema_version 2"},
        {"!{\"schema\":\"pixeen-bench\",\"schema_version\":1}", "device: expected an object, found nothing"},
        {"!{\"schema\":\"pixeen-bench\",\"schema_version\":1,\"device\":{\"name\":7}}",
         "device.name: expected a string, found a number"},
        {"!{\"schema\":\"pixeen-bench\",\"schema_version\":1,\"device\":{\"name\":\"d\"},\"ceilings\":{\"fp32_gflops\":-1}}",
         "ceilings.fp32_gflops: -1 is not a number >= 0"},
        {"\"cases\":{}}", "cases: expected an array, found an object"},
        {"\"cases\":[1]}", "cases[0]: expected an object, found a number"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"maybe\"}]}", "cases[0].status: \"maybe\" is not \"ok\""},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"ok\"}]}", "cases[0].time_ms: expected a number"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"ok\",\"time_ms\":0}]}", "cases[0].time_ms: 0 is not a number > 0"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"ok\",\"time_ms\":1,\"runs\":1.5}]}",
         "cases[0].runs: 1.5 is not an integer"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\\u001b[2J\",\"status\":\"ok\",\"time_ms\":1}]}", "control characters"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\","
         "\"status\":\"ok\",\"time_ms\":1}]}",
         "cases[0].name: string of 102 bytes is longer than 95"},
        {"\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"ok\",\"time_ms\":1e999}]}", "time_ms: inf is not"},
        {"\"cases\":[]} x", "unexpected data after the JSON value at line 1"},
        {"\"cases\":[], \"options\":[]}", "options: expected an object, found an array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char doc[1024];
        if (bad[i].tail[0] == '!')
            snprintf(doc, sizeof doc, "%s", bad[i].tail + 1);
        else
            snprintf(doc, sizeof doc, "%s%s", head, bad[i].tail);
        bench_report r;
        pixeen_status status = bench_report_parse(doc, strlen(doc), "bad.json", &r);
        const char *message = error_message();
        bool good = status == PIXEEN_ERROR_FORMAT && strstr(message, bad[i].error) && strstr(message, "bad.json");
        if (!good) printf("malformed #%zu: got %s: '%s' (expected '%s')\n", i, pixeen_status_string(status), message, bad[i].error);
        CHECK(good);
        CHECK(r.results == NULL);
    }
    /* The minimal valid document, and a file read through the public API's path. */
    char doc[512];
    snprintf(doc, sizeof doc, "%s\"cases\":[{\"family\":\"f\",\"name\":\"n\",\"status\":\"ok\",\"time_ms\":2,\"bytes\":4e6}]}", head);
    bench_report r;
    CHECK_OK(bench_report_parse(doc, strlen(doc), "min.json", &r));
    CHECK(r.count == 1 && r.results[0].gbs == 2.0 && r.results[0].bound == BENCH_BOUND_MEMORY);
    bench_report_free(&r);
    write_file(tmp_path("bad.json"), "{\"schema\":\"pixeen-bench\",\"schema_version\":1,\"device\":[]}");
    CHECK_STATUS(pixeen_bench_compare(tmp_path("bad.json"), tmp_path("bad.json"), NULL), PIXEEN_ERROR_FORMAT);
    CHECK(strstr(pixeen_last_error(), "device: expected an object, found an array") != NULL);
}

static void test_public_api(void) {
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    CHECK_OK(pixeen_bench_run(&(pixeen_bench_desc){.list = 1, .out = mem}));
    fclose(mem);
    CHECK(strstr(text, "add [2,64,64,320] f16") != NULL);
    free(text);
    CHECK_STATUS(pixeen_bench_run(NULL), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_bench_run(&(pixeen_bench_desc){.repeat = -1}), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(pixeen_bench_run(&(pixeen_bench_desc){.reserved[3] = 1}), PIXEEN_ERROR_UNSUPPORTED);
    CHECK_STATUS(pixeen_bench_run(&(pixeen_bench_desc){.filter = "no such case"}), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(pixeen_last_error(), "no such case") != NULL);
    /* The JSON destination is checked before any GPU work. */
    CHECK_STATUS(pixeen_bench_run(&(pixeen_bench_desc){.json_path = "/nonexistent-dir/r.json"}), PIXEEN_ERROR_IO);
    CHECK_STATUS(pixeen_bench_compare(NULL, "b", NULL), PIXEEN_ERROR_INVALID_ARGUMENT);
}

int main(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/pixeen-bench-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_collect();
    test_malformed();
    test_public_api();
    gpu_context *ctx = gpu_test_context();
    bench_report report;
    test_run(ctx, &report);
    test_time_limit(ctx);
    test_json_round_trip(&report);
    test_compare_reports(&report);
    bench_report_free(&report);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
    CHECK(system(cmd) == 0);
    return gpu_test_finish(ctx);
}
