/* test_gpu.c — the GPU layer: device capabilities, sub-allocation, uploads and downloads (direct
 * and through staging), barrier insertion, replay, compiling pipelines ahead, the pipeline cache, and
 * error reporting. */
#include <unistd.h>

#include "gpu_test.h"
#include "ops/ops.h"

static void test_caps(gpu_context *ctx) {
    const gpu_caps *c = gpu_context_caps(ctx);
    CHECK(c->name[0] != '\0');
    CHECK(c->subgroup_size >= 1);
    CHECK(c->max_shared_memory >= 16384); /* the Vulkan minimum */
    CHECK(c->max_storage_buffer_range >= (1u << 27) || c->max_storage_buffer_range >= 65536);
    CHECK(c->heap_count >= 1);
}

static void test_suballocation(gpu_context *ctx) {
    uint64_t before = gpu_memory_allocated(ctx);
    gpu_buffer *bufs[64];
    for (int i = 0; i < 64; i++) CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, 1000 + (uint64_t)i * 4096, "t", &bufs[i]));
    /* 64 small tensors come from one block, not 64 allocations */
    CHECK(gpu_memory_allocated(ctx) - before <= (256ull << 20));
    for (int i = 0; i < 64; i += 2) gpu_buffer_destroy(bufs[i]);
    for (int i = 0; i < 64; i += 2) CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, 1000, "t", &bufs[i]));
    for (int i = 0; i < 64; i++) gpu_buffer_destroy(bufs[i]);
    CHECK(gpu_memory_allocated(ctx) == before); /* empty blocks are released */
    gpu_buffer *zero = NULL;
    CHECK_STATUS(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, 0, "zero", &zero), PIXEEN_ERROR_INVALID_ARGUMENT);
    gpu_buffer_destroy(NULL);
}

static void test_roundtrip(gpu_context *ctx, const char *what) {
    enum { N = 5 << 20 }; /* 20 MiB of floats: more than one 16 MiB staging chunk */
    float *data = malloc(N * 4), *back = malloc(N * 4);
    test_fill_random(data, N, 7, -1, 1);
    gpu_buffer *buf;
    CHECK_OK(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, N * 4, "roundtrip", &buf));
    CHECK_OK(gpu_buffer_upload(ctx, buf, 0, data, N * 4));
    memset(back, 0, N * 4);
    CHECK_OK(gpu_buffer_download(ctx, buf, 0, back, N * 4));
    int same = memcmp(data, back, N * 4) == 0;
    CHECK(same);
    if (!same) fprintf(stderr, "roundtrip (%s) differs\n", what);
    CHECK_STATUS(gpu_buffer_download(ctx, buf, 8, back, N * 4), PIXEEN_ERROR_INVALID_ARGUMENT);
    gpu_buffer_destroy_wiped(buf);
    free(data);
    free(back);
}

/* Dispatches on disjoint ranges need no barrier; a dispatch reading another's output needs one. */
static void test_barriers_and_replay(gpu_context *ctx) {
    enum { N = 4096 };
    float a[N], b[N], out[N];
    test_fill_random(a, N, 1, -1, 1);
    test_fill_random(b, N, 2, -1, 1);
    tensor ta = gpu_test_tensor(ctx, DTYPE_F32, a, N), tb = gpu_test_tensor(ctx, DTYPE_F32, b, N);
    tensor t1 = gpu_test_tensor(ctx, DTYPE_F32, NULL, N), t2 = gpu_test_tensor(ctx, DTYPE_F32, NULL, N);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_binary_record(rec, OP_BINARY_ADD, &ta, &tb, 1, &t1); /* t1 = a + b */
    op_binary_record(rec, OP_BINARY_MUL, &ta, &tb, 1, &t2); /* t2 = a * b: independent */
    CHECK(gpu_recorder_barrier_count(rec) == 0);
    op_binary_record(rec, OP_BINARY_ADD, &t1, &t2, 1, &t1); /* t1 = t1 + t2: depends on both */
    CHECK(gpu_recorder_barrier_count(rec) == 1);
    op_binary_record(rec, OP_BINARY_MUL, &ta, &ta, 1, &t2); /* writes t2, which the last one read */
    CHECK(gpu_recorder_barrier_count(rec) == 2);
    CHECK(gpu_recorder_dispatch_count(rec) == 4);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &t1, out);
    int bad = 0;
    for (int i = 0; i < N; i++) bad += fabsf(out[i] - (a[i] + b[i] + a[i] * b[i])) > 1e-5f;
    CHECK(bad == 0);
    /* Replay: the same command buffer, new input values. */
    float ones[N];
    for (int i = 0; i < N; i++) ones[i] = 1.0f;
    CHECK_OK(gpu_buffer_upload(ctx, ta.buffer, 0, ones, sizeof ones));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &t1, out);
    bad = 0;
    for (int i = 0; i < N; i++) bad += fabsf(out[i] - (1 + b[i] + b[i])) > 1e-5f;
    CHECK(bad == 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ta.buffer);
    gpu_buffer_destroy(tb.buffer);
    gpu_buffer_destroy(t1.buffer);
    gpu_buffer_destroy(t2.buffer);
}

/* gpu_pipelines_compile dispatches each new pipeline once (zero workgroups, dummy bindings), counts
 * it, never again, and leaves the pipelines working. */
static void test_pipelines_compile(gpu_context *ctx) {
    uint32_t before = gpu_pipeline_count(ctx);
    CHECK(before > 0); /* test_barriers_and_replay made the binary operators' pipelines */
    gpu_compile_report r;
    CHECK_OK(gpu_pipelines_compile(ctx, &r));
    CHECK(r.pipelines == before);
    CHECK(r.slowest[0] != '\0' && r.seconds >= r.slowest_seconds);
    CHECK_OK(gpu_pipelines_compile(ctx, &r));
    CHECK(r.pipelines == 0);
    enum { N = 1000 };
    float a[N], out[N];
    test_fill_random(a, N, 3, -1, 1);
    tensor ta = gpu_test_tensor(ctx, DTYPE_F32, a, N), t = gpu_test_tensor(ctx, DTYPE_F32, NULL, N);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_binary_record(rec, OP_BINARY_MUL, &ta, &ta, 1, &t);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &t, out);
    int bad = 0;
    for (int i = 0; i < N; i++) bad += fabsf(out[i] - a[i] * a[i]) > 1e-6f;
    CHECK(bad == 0);
    CHECK(gpu_pipeline_count(ctx) == before);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ta.buffer);
    gpu_buffer_destroy(t.buffer);
}

/* Misuse is reported at end(), with a message, never a crash. */
static void test_recording_errors(gpu_context *ctx) {
    tensor a = gpu_test_tensor(ctx, DTYPE_F32, NULL, 100), b = gpu_test_tensor(ctx, DTYPE_F32, NULL, 7);
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_binary_record(rec, OP_BINARY_ADD, &a, &b, 1, &b); /* out has the wrong size */
    CHECK_STATUS(gpu_recorder_end(rec), PIXEEN_ERROR_INTERNAL);
    CHECK(strstr(error_message(), "binary") != NULL);
    CHECK_STATUS(gpu_recorder_submit(rec), PIXEEN_ERROR_INTERNAL);
    gpu_recorder_begin(rec); /* the recorder is usable again */
    op_binary_record(rec, OP_BINARY_ADD, &a, &a, 1, &a);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_pipeline *p;
    CHECK_STATUS(gpu_pipeline_get(ctx, &(gpu_pipeline_desc){.shader = "no_such_shader"}, &p), PIXEEN_ERROR_INTERNAL);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(a.buffer);
    gpu_buffer_destroy(b.buffer);
}

static void test_pipeline_cache(void) {
    /* The first context (in main) wrote the cache at destroy; a new one must load it. */
    char path[4096];
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (!xdg) return;
    gpu_context *ctx = gpu_test_context();
    CHECK(gpu_pipeline_cache_loaded(ctx));
    CHECK(gpu_pipeline_cache_file(ctx, path, sizeof path));
    CHECK(strncmp(path, xdg, strlen(xdg)) == 0);
    gpu_context_destroy(ctx);
    /* A corrupt cache is ignored with a warning, not an error. */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fwrite("garbage!", 1, 8, f);
        fclose(f);
    }
    ctx = gpu_test_context();
    CHECK(!gpu_pipeline_cache_loaded(ctx));
    gpu_context_destroy(ctx);
}

int main(void) {
    /* test_pipeline_cache corrupts its cache file: a folder of its own, so tests running beside it
     * (each rewrites the shared cache when its context ends) cannot race it under ctest -j. */
    const char *xdg = getenv("XDG_CACHE_HOME");
    static char own[4200];
    if (xdg) {
        snprintf(own, sizeof own, "%s/test_gpu", xdg);
        mkdir(xdg, 0755);
        mkdir(own, 0755);
        setenv("XDG_CACHE_HOME", own, 1);
    }
    gpu_context *ctx = gpu_test_context();
    test_caps(ctx);
    test_suballocation(ctx);
    test_roundtrip(ctx, "direct");
    test_barriers_and_replay(ctx);
    test_pipelines_compile(ctx);
    test_recording_errors(ctx);
    gpu_context_destroy(ctx);

    gpu_context *staged = NULL;
    CHECK_OK(gpu_context_create(&(gpu_context_desc){.force_staging = true}, &staged));
    if (staged) test_roundtrip(staged, "staging");
    gpu_context_destroy(staged);

    /* A CPU driver's device memory: our own memory imported, or (PIXEEN_HOST_IMPORT=0) its own. */
    for (int import = 1; import >= 0; import--) {
        if (!import) setenv("PIXEEN_HOST_IMPORT", "0", 1);
        ctx = gpu_test_context();
        bool cpu = gpu_context_caps(ctx)->type == GPU_DEVICE_CPU;
        if (cpu && !import) CHECK(!gpu_memory_host_imported(ctx));
        if (cpu && import) CHECK(gpu_memory_host_imported(ctx)); /* lavapipe has had the extension since Mesa 21 */
        test_suballocation(ctx);
        gpu_memory_expect_fill(ctx, true); /* a block faulted in by a thread while the upload fills it */
        test_roundtrip(ctx, import ? "host memory imported" : "the driver's memory");
        gpu_memory_expect_fill(ctx, false);
        test_barriers_and_replay(ctx);
        gpu_context_destroy(ctx);
        unsetenv("PIXEEN_HOST_IMPORT");
    }

    test_pipeline_cache();
    ctx = gpu_test_context();
    return gpu_test_finish(ctx);
}
