/* pipeline_compile.c — what each pipeline's compile costs, measured one by one.
 *
 * lavapipe (llvmpipe) compiles a compute shader at the first dispatch that uses it, not at
 * vkCreateComputePipelines (shared/notes/lavapipe.md), inside whatever submission dispatches it
 * first. gpu_pipelines_compile dispatches every pipeline created since its last call once, with zero
 * workgroups and dummy bindings of the right kinds, each in its own timed submission: the driver
 * compiles and runs nothing. See gpu.h for why this measures and does not warm up (the variant it
 * compiles is not the one the real bindings select on Mesa 22.3).
 * On drivers that compile at creation the dispatches cost microseconds.
 *
 * Why a cold start does not compile on both cores (measured 2026-12-06, Mesa 25.0.7, SD 1.5 at
 * 256x256): lavapipe compiles on its one queue thread, so the other core waits. A helper thread
 * dispatching the same pipelines this way on a second VkDevice of the driver, handing its variants
 * over through Mesa's disk cache, was tried. The hand-over works (the helper's device destroyed,
 * the main device's next compile of the same 24 pipelines took 0.03 s), but the two devices' JIT
 * ran one at a time: conv2d_texel took 9.6 s while the other device compiled, 5.2 s alone, and the
 * step's 17 new pipelines 9.7 s against 10.5 s on one thread. Two processes do compile side by side
 * (two cold runs at once: their text encoders' JIT took 6.5-6.8 s against 6.1 s alone), so the lock
 * is inside the process, in the driver; a library cannot spawn processes of its own for this.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "gpu/gpu_internal.h"

/* 240 bytes: whole texels of every kind (16, 8, 4 and 2 bytes), and no power of two in any of those units (see gpu_pipelines_compile). */
#define DUMMY_BYTES 240

pixeen_status gpu_pipelines_compile(gpu_context *ctx, gpu_compile_report *report) {
    gpu_compile_report r = {0};
    if (report) *report = r;
    uint32_t pending = 0;
    for (gpu_pipeline *p = ctx->pipelines; p; p = p->next) pending += !p->compiled;
    if (!pending) return PIXEEN_OK;
    double start = clock_wall_seconds();
    if (!ctx->compile_dummy)
        PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, DUMMY_BYTES, "pipeline compile dummy", &ctx->compile_dummy));
    gpu_recorder *rec;
    PX_TRY(gpu_recorder_create(ctx, &rec));
    /* Newest first in the list: compile oldest first, the order the recording dispatches them. */
    gpu_pipeline **order = malloc(pending * sizeof *order);
    pixeen_status status = order ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "gpu: out of host memory");
    uint32_t n = 0;
    for (gpu_pipeline *p = ctx->pipelines; order && p; p = p->next)
        if (!p->compiled) order[pending - 1 - n++] = p;
    for (uint32_t i = 0; i < n && status == PIXEEN_OK; i++) {
        gpu_pipeline *p = order[i];
        double t0 = clock_wall_seconds();
        gpu_recorder_begin(rec);
        gpu_record_compile(rec, p, ctx->compile_dummy);
        status = gpu_recorder_end(rec);
        if (status == PIXEEN_OK) status = gpu_recorder_submit(rec);
        double took = clock_wall_seconds() - t0;
        p->compiled = true;
        r.pipelines++;
        if (took > r.slowest_seconds) {
            r.slowest_seconds = took;
            snprintf(r.slowest, sizeof r.slowest, "%s", p->desc.shader);
        }
        log_debug("gpu: compiled %s (%u specialization constants: %u %u %u %u %u %u %u %u) in %.1f ms", p->desc.shader,
                  p->desc.spec_count, p->desc.spec[0], p->desc.spec[1], p->desc.spec[2], p->desc.spec[3],
                  p->desc.spec[4], p->desc.spec[5], p->desc.spec[6], p->desc.spec[7], took * 1e3);
    }
    free(order);
    gpu_recorder_destroy(rec);
    r.seconds = clock_wall_seconds() - start;
    if (report) *report = r;
    return status;
}
