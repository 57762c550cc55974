/* nn_weights.c — a component's weights on the GPU, in fp16.
 *
 * Each weight streams from the memory-mapped checkpoint through the staging buffer, converted to
 * fp16 chunk by chunk (model_weight_read_f16), so host memory stays at the staging size whatever
 * the checkpoint's size or dtype. 4-D convolution kernels [Cout, Cin, kh, kw] are reordered to
 * [Cout, kh, kw, Cin] on the way, the layout the NHWC implicit-GEMM convolution reads.
 * The tensor keeps the checkpoint's logical shape [Cout, Cin, kh, kw] so shape checks read like
 * the checkpoint; the data order is documented here and in src/ops.
 * Every value is checked on the way (in host memory, never read back from a mapping): a NaN or
 * infinity, or an fp32/bf16 value beyond fp16's range, fails the load with the tensor's name
 * instead of making black images later.
 * GGUF weights that a quantized kernel reads (keep_quantized) go up in their blocks instead: they
 * stay quantized in GPU memory and are dequantized in registers by the matmul (src/ops/quant.h);
 * each block's fp16 scales are checked finite on the way (ggml_block_finite). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "models/ggml_quant.h"
#include "models/nn.h"
#include "ops/quant.h"

typedef struct stream_state {
    const model_weight *w;
    bool reorder;          /* conv kernel */
    int64_t cin, khw;      /* for the reorder */
    int64_t rows_per_read; /* output channels read, checked and reordered at a time */
    uint16_t *rows;        /* `rows_per_read` output channels' kernels in checkpoint order */
    uint16_t *rows_out;    /* the same, reordered */
    int64_t rows_first;    /* the first output channel `rows_out` holds (-1: none) */
    int64_t rows_held;     /* how many it holds */
    uint16_t *scratch;     /* SCRATCH_ELEMENTS, for the unreordered path */
    nn_load_times *times;
} stream_state;

/* Elements read, converted and checked at a time before the copy into the upload buffer: 2 MiB of
 * fp16, which stays in the CPU's cache between the check and the copy. fp16 tensors are read from
 * the open file (safetensors.c's read_bytes); fp32 and bf16 ones are converted out of the mapping,
 * and each such read drops the pages it mapped, a madvise that costs a TLB shootdown across every
 * core the process runs on: with 32 KiB reads (as this once was) a 2 GiB checkpoint made 65,000 of
 * them, which took 10 s on a busy 2-core VM; at 2 MiB it is a thousand. */
#define SCRATCH_ELEMENTS ((uint64_t)1 << 20)

/* Whether any of the four fp16 values in a 64-bit word has all exponent bits set: each value's
 * exponent bits plus 0x0400 carry into its sign bit exactly when all five are set (at most 0x8000
 * per value, so no carry crosses into the next). Four values per three operations. */
static inline uint64_t nonfinite_lanes(uint64_t word) {
    const uint64_t exponent = 0x7C007C007C007C00u, one_below = 0x0400040004000400u, sign = 0x8000800080008000u;
    return ((word & exponent) + one_below) & sign;
}

/* fp16 with all exponent bits set is an infinity or a NaN (finite values converted from fp32 or
 * bf16 that exceed 65504 become infinities). `first` is the element index of v[0], for the message.
 * The scan is branch-free over blocks, four values per 64-bit word (0.55 s for SD 1.5 one value at
 * a time); only a block holding a non-finite value is searched for the element the message names. */
static pixeen_status check_finite(const model_weight *w, const uint16_t *v, uint64_t n, uint64_t first) {
    enum { BLOCK = 256 };
    for (uint64_t at = 0; at < n; at += BLOCK) {
        uint64_t end = n - at < BLOCK ? n : at + BLOCK;
        uint64_t bad = 0, k = at;
        for (; k + 4 <= end; k += 4) {
            uint64_t word;
            memcpy(&word, v + k, sizeof word);
            bad |= nonfinite_lanes(word);
        }
        for (; k < end; k++) bad |= (v[k] & 0x7C00u) == 0x7C00u;
        if (!bad) continue;
        for (uint64_t i = at; i < end; i++)
            if ((v[i] & 0x7C00u) == 0x7C00u)
                return error_set(PIXEEN_ERROR_MODEL,
                                 "model: tensor '%s' holds %s at element %llu (fp16 bits 0x%04x): a corrupt or broken "
                                 "checkpoint (it would make black images)",
                                 w->name, v[i] & 0x3FFu ? "a NaN" : "an infinity or a value beyond fp16's range",
                                 (unsigned long long)(first + i), v[i]);
    }
    return PIXEEN_OK;
}

/* Reads `n` elements from `first` into host memory and checks them there (never read twice from the
 * mapping: the file could change between a check and a second read). */
static pixeen_status read_checked(stream_state *s, uint64_t first, uint64_t n, uint16_t *dst) {
    double t0 = clock_wall_seconds();
    PX_TRY(model_weight_read_f16(s->w, first, n, dst));
    double t1 = clock_wall_seconds();
    pixeen_status status = check_finite(s->w, dst, n, first);
    s->times->read += t1 - t0;
    s->times->check += clock_wall_seconds() - t1;
    return status;
}

static pixeen_status produce(void *dst, uint64_t offset, uint64_t bytes, void *user) {
    stream_state *s = user;
    uint64_t first = offset / 2, count = bytes / 2;
    if (!s->reorder) {
        for (uint64_t done = 0; done < count; done += SCRATCH_ELEMENTS) {
            uint64_t n = count - done < SCRATCH_ELEMENTS ? count - done : SCRATCH_ELEMENTS;
            PX_TRY(read_checked(s, first + done, n, s->scratch));
            memcpy((uint16_t *)dst + done, s->scratch, n * 2);
        }
        return PIXEEN_OK;
    }
    /* Reordered: walk the output channels the chunk covers (chunks need not align to them). */
    uint64_t row_len = (uint64_t)(s->cin * s->khw);
    int64_t rows_total = s->w->shape[0];
    uint16_t *out = dst;
    for (uint64_t e = first; e < first + count;) {
        int64_t row = (int64_t)(e / row_len);
        if (row < s->rows_first || row >= s->rows_first + s->rows_held) {
            int64_t held = rows_total - row < s->rows_per_read ? rows_total - row : s->rows_per_read;
            PX_TRY(read_checked(s, (uint64_t)row * row_len, (uint64_t)held * row_len, s->rows));
            double t0 = clock_wall_seconds();
            for (int64_t r = 0; r < held; r++) {
                const uint16_t *in = s->rows + (uint64_t)r * row_len;
                uint16_t *o = s->rows_out + (uint64_t)r * row_len;
                for (int64_t c = 0; c < s->cin; c++)
                    for (int64_t k = 0; k < s->khw; k++) o[k * s->cin + c] = in[c * s->khw + k];
            }
            s->times->reorder += clock_wall_seconds() - t0;
            s->rows_first = row;
            s->rows_held = held;
        }
        uint64_t in_rows = e - (uint64_t)s->rows_first * row_len;
        uint64_t n = (uint64_t)s->rows_held * row_len - in_rows;
        if (n > first + count - e) n = first + count - e;
        memcpy(out + (e - first), s->rows_out + in_rows, n * 2);
        e += n;
    }
    return PIXEEN_OK;
}

/* ---- quantized weights (GGUF): rows converted into the GPU layout of ops/quant.h as they stream ---- */

typedef struct quant_state {
    const model_weight *w;
    uint32_t type;
    uint64_t k;            /* values per row */
    uint64_t file_row;     /* bytes of a row as stored */
    uint64_t gpu_row;      /* bytes of a row in the GPU layout (tensor_quant_row_bytes) */
    uint64_t first_row;    /* of this weight in its stored tensor (a slice of a fused qkv) */
    uint64_t rows;         /* of this weight */
    uint64_t batch;        /* rows read, checked and converted at a time (whole reads: see SCRATCH_ELEMENTS) */
    uint8_t *file_rows;    /* `batch` rows as stored */
    uint8_t *gpu_rows;     /* the same in the GPU layout */
    uint64_t held_first, held;
    nn_load_times *times;
} quant_state;

static pixeen_status produce_quant(void *dst, uint64_t offset, uint64_t bytes, void *user) {
    quant_state *q = user;
    uint8_t *out = dst;
    const uint64_t file_block = ggml_block_bytes(q->type), blocks_per_row = q->file_row / file_block;
    for (uint64_t at = offset; at < offset + bytes;) {
        uint64_t row = at / q->gpu_row;
        if (row < q->held_first || row >= q->held_first + q->held) {
            uint64_t held = q->rows - row < q->batch ? q->rows - row : q->batch;
            double t0 = clock_wall_seconds();
            /* the blocks are checked in host memory, never read twice from the mapping */
            PX_TRY(safetensors_read_raw(q->w->file, q->w->tensor, (q->first_row + row) * q->file_row,
                                         held * q->file_row, q->file_rows));
            double t1 = clock_wall_seconds();
            for (uint64_t i = 0; i < held * blocks_per_row; i++)
                if (!ggml_block_finite(q->type, q->file_rows + i * file_block))
                    return error_set(PIXEEN_ERROR_MODEL,
                                     "model: tensor '%s' has a NaN or infinite scale in block %llu: a corrupt or "
                                     "broken checkpoint (it would make black images)",
                                     q->w->name, (unsigned long long)((q->first_row + row) * blocks_per_row + i));
            double t2 = clock_wall_seconds();
            quant_rows_to_gpu(q->type, q->file_rows, (size_t)held, q->k, q->gpu_rows);
            q->times->read += t1 - t0;
            q->times->check += t2 - t1;
            q->times->reorder += clock_wall_seconds() - t2;
            q->held_first = row;
            q->held = held;
        }
        uint64_t in = at - q->held_first * q->gpu_row;
        uint64_t n = q->held * q->gpu_row - in;
        if (n > offset + bytes - at) n = offset + bytes - at;
        memcpy(out, q->gpu_rows + in, (size_t)n);
        out += n;
        at += n;
    }
    return PIXEEN_OK;
}

/* A weight the quantized matmul can read straight from its blocks: a 2-D GGUF tensor of a type
 * with a GPU kernel, stored whole or as whole rows of a fused tensor (OpenCLIP's in_proj_weight). Embedding tables are read by the gather kernel and stay
 * converted (stable-diffusion.cpp never quantizes them); 1-D norm parameters and convolution
 * kernels likewise (a few KB, or not quantized by the converter: a kernel row is kw values).
 * PIXEEN_GGUF_DEQUANTIZE=1 converts every weight to fp16 at load instead (for comparisons). */
static bool keep_quantized(const gpu_context *ctx, const model_weight *w, tensor_dtype *dtype) {
    if (gpu_context_tuning(ctx)->gguf_dequantize) return false;
    if (!w->tensor || !safetensors_dtype_is_block(w->tensor->dtype) || w->ndim != 2 || w->transpose ||
        w->shape[1] <= 0 || w->first_element % (uint64_t)w->shape[1] ||
        w->tensor->shape[w->tensor->ndim - 1] != w->shape[1] || strstr(w->name, "embedding"))
        return false;
    return quant_dtype_of_ggml(safetensors_dtype_ggml(w->tensor->dtype), dtype);
}

static pixeen_status upload_quantized(gpu_context *ctx, const model_weight *w, tensor_dtype dtype, nn_weight *dst,
                                      nn_load_times *times) {
    dst->t.dtype = dtype;
    dst->t.rank = 2;
    dst->t.shape[0] = w->shape[0];
    dst->t.shape[1] = w->shape[1];
    uint64_t bytes = tensor_bytes(&dst->t);
    PX_TRY(gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, bytes, w->name, &dst->t.buffer));
    quant_state q = {.w = w, .type = safetensors_dtype_ggml(w->tensor->dtype), .k = (uint64_t)w->shape[1]};
    q.file_row = q.k / ggml_block_elems(q.type) * ggml_block_bytes(q.type);
    q.gpu_row = tensor_quant_row_bytes(dtype, q.k);
    q.first_row = w->first_element / q.k;
    q.rows = (uint64_t)w->shape[0];
    q.batch = (SCRATCH_ELEMENTS * 2) / q.file_row;
    if (q.batch == 0) q.batch = 1;
    q.held_first = UINT64_MAX;
    q.times = times;
    q.file_rows = malloc((size_t)(q.batch * q.file_row));
    q.gpu_rows = malloc((size_t)(q.batch * q.gpu_row));
    pixeen_status status = PIXEEN_OK;
    double t0 = clock_wall_seconds();
    nn_load_times before = *times;
    if (!q.file_rows || !q.gpu_rows)
        status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
    else
        status = gpu_buffer_write_stream(ctx, dst->t.buffer, 0, bytes, produce_quant, &q);
    times->upload += clock_wall_seconds() - t0 - (times->read - before.read) - (times->check - before.check) -
                     (times->reorder - before.reorder);
    free(q.file_rows);
    free(q.gpu_rows);
    return status;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const nn_weight *)a)->name, ((const nn_weight *)b)->name);
}

pixeen_status nn_weights_upload(gpu_context *ctx, const model *m, model_component component, nn_weights *out) {
    memset(out, 0, sizeof *out);
    size_t count = model_weight_count(m, component);
    out->items = calloc(count ? count : 1, sizeof *out->items);
    if (!out->items) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
    uint16_t *scratch = malloc(SCRATCH_ELEMENTS * 2);
    pixeen_status status = scratch ? PIXEEN_OK : error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
    gpu_memory_expect_fill(ctx, true); /* the weights' blocks fill whole, one after the other */
    for (size_t i = 0; i < count && status == PIXEEN_OK; i++) {
        const model_weight *w = model_weight_at(m, component, i);
        nn_weight *dst = &out->items[out->count];
        dst->name = strdup(w->name);
        if (!dst->name) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
            break;
        }
        out->count++;
        tensor_dtype qtype;
        if (keep_quantized(ctx, w, &qtype)) {
            status = upload_quantized(ctx, w, qtype, dst, &out->times);
            out->bytes += tensor_bytes(&dst->t);
            out->quantized++;
            if (status != PIXEEN_OK) error_wrap(status, "nn: uploading '%s': ", w->name);
            continue;
        }
        dst->t.dtype = DTYPE_F16;
        dst->t.rank = (uint32_t)(w->ndim ? w->ndim : 1);
        for (int d = 0; d < w->ndim; d++) dst->t.shape[d] = w->shape[d];
        if (w->ndim == 0) dst->t.shape[0] = 1;
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, w->n_elements * 2, w->name, &dst->t.buffer);
        if (status != PIXEEN_OK) break;
        stream_state s = {.w = w, .rows_first = -1, .scratch = scratch, .times = &out->times};
        if (w->ndim == 4 && (w->shape[2] > 1 || w->shape[3] > 1)) {
            s.reorder = true;
            s.cin = w->shape[1];
            s.khw = w->shape[2] * w->shape[3];
            uint64_t row_len = (uint64_t)(s.cin * s.khw);
            s.rows_per_read = row_len < SCRATCH_ELEMENTS ? (int64_t)(SCRATCH_ELEMENTS / row_len) : 1;
            s.rows = malloc((size_t)(row_len * (uint64_t)s.rows_per_read) * 2);
            s.rows_out = malloc((size_t)(row_len * (uint64_t)s.rows_per_read) * 2);
            if (!s.rows || !s.rows_out) status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
        }
        double t0 = clock_wall_seconds();
        nn_load_times before = out->times;
        if (status == PIXEEN_OK)
            status = gpu_buffer_write_stream(ctx, dst->t.buffer, 0, w->n_elements * 2, produce, &s);
        out->times.upload += clock_wall_seconds() - t0 - (out->times.read - before.read) - (out->times.check - before.check) -
                             (out->times.reorder - before.reorder);
        free(s.rows);
        free(s.rows_out);
        out->bytes += w->n_elements * 2;
        if (status != PIXEEN_OK) error_wrap(status, "nn: uploading '%s': ", w->name);
    }
    gpu_memory_expect_fill(ctx, false);
    free(scratch);
    if (status != PIXEEN_OK) {
        nn_weights_free(out);
        return status;
    }
    qsort(out->items, out->count, sizeof *out->items, by_name);
    if (!nn_weights_keep_winograd(component)) return PIXEEN_OK;
    out->winograd = calloc(1, sizeof *out->winograd);
    if (out->winograd) out->winograd->u = calloc(NN_WINOGRAD_SLOTS * (out->count ? out->count : 1), sizeof *out->winograd->u);
    if (!out->winograd || !out->winograd->u) {
        nn_weights_free(out);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
    }
    out->winograd->count = out->count;
    return PIXEEN_OK;
}

bool nn_weights_keep_winograd(model_component component) { return component != MODEL_VAE; }

void nn_weights_free(nn_weights *w) {
    for (size_t i = 0; i < w->count; i++) {
        gpu_buffer_destroy(w->items[i].t.buffer);
        free(w->items[i].name);
    }
    nn_weights_winograd_disable(w);
    free(w->items);
    memset(w, 0, sizeof *w);
}
