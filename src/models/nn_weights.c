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
 * instead of making black images later. */
#include <stdlib.h>
#include <string.h>

#include "models/nn.h"

typedef struct stream_state {
    const model_weight *w;
    bool reorder;          /* conv kernel */
    int64_t cin, khw;      /* for the reorder */
    uint16_t *row;         /* one output channel's kernel in checkpoint order */
    uint16_t *row_out;     /* the same, reordered */
    int64_t row_cached;    /* which output channel `row_out` holds (-1: none) */
    uint16_t *scratch;     /* SCRATCH_ELEMENTS, for the unreordered path */
} stream_state;

/* Elements converted and checked at a time before the copy into the upload buffer. */
#define SCRATCH_ELEMENTS 16384

/* fp16 with all exponent bits set is an infinity or a NaN (finite values converted from fp32 or
 * bf16 that exceed 65504 become infinities). `first` is the element index of v[0], for the message. */
static pixeen_status check_finite(const model_weight *w, const uint16_t *v, uint64_t n, uint64_t first) {
    for (uint64_t i = 0; i < n; i++)
        if ((v[i] & 0x7C00u) == 0x7C00u)
            return error_set(PIXEEN_ERROR_MODEL,
                             "model: tensor '%s' holds %s at element %llu (fp16 bits 0x%04x): a corrupt or broken "
                             "checkpoint (it would make black images)",
                             w->name, v[i] & 0x3FFu ? "a NaN" : "an infinity or a value beyond fp16's range",
                             (unsigned long long)(first + i), v[i]);
    return PIXEEN_OK;
}

static pixeen_status produce(void *dst, uint64_t offset, uint64_t bytes, void *user) {
    stream_state *s = user;
    uint64_t first = offset / 2, count = bytes / 2;
    if (!s->reorder) {
        for (uint64_t done = 0; done < count; done += SCRATCH_ELEMENTS) {
            uint64_t n = count - done < SCRATCH_ELEMENTS ? count - done : SCRATCH_ELEMENTS;
            PX_TRY(model_weight_read_f16(s->w, first + done, n, s->scratch));
            PX_TRY(check_finite(s->w, s->scratch, n, first + done));
            memcpy((uint16_t *)dst + done, s->scratch, n * 2);
        }
        return PIXEEN_OK;
    }
    /* Reordered: walk the output channels the chunk covers (chunks need not align to them). */
    uint64_t row_len = (uint64_t)(s->cin * s->khw);
    uint16_t *out = dst;
    for (uint64_t e = first; e < first + count;) {
        int64_t row = (int64_t)(e / row_len);
        if (row != s->row_cached) {
            PX_TRY(model_weight_read_f16(s->w, (uint64_t)row * row_len, row_len, s->row));
            PX_TRY(check_finite(s->w, s->row, row_len, (uint64_t)row * row_len));
            for (int64_t c = 0; c < s->cin; c++)
                for (int64_t k = 0; k < s->khw; k++) s->row_out[k * s->cin + c] = s->row[c * s->khw + k];
            s->row_cached = row;
        }
        uint64_t in_row = e % row_len;
        uint64_t n = row_len - in_row;
        if (n > first + count - e) n = first + count - e;
        memcpy(out + (e - first), s->row_out + in_row, n * 2);
        e += n;
    }
    return PIXEEN_OK;
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
    for (size_t i = 0; i < count && status == PIXEEN_OK; i++) {
        const model_weight *w = model_weight_at(m, component, i);
        nn_weight *dst = &out->items[out->count];
        dst->name = strdup(w->name);
        if (!dst->name) {
            status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
            break;
        }
        out->count++;
        dst->t.dtype = DTYPE_F16;
        dst->t.rank = (uint32_t)(w->ndim ? w->ndim : 1);
        for (int d = 0; d < w->ndim; d++) dst->t.shape[d] = w->shape[d];
        if (w->ndim == 0) dst->t.shape[0] = 1;
        status = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, w->n_elements * 2, w->name, &dst->t.buffer);
        if (status != PIXEEN_OK) break;
        stream_state s = {.w = w, .row_cached = -1, .scratch = scratch};
        if (w->ndim == 4 && (w->shape[2] > 1 || w->shape[3] > 1)) {
            s.reorder = true;
            s.cin = w->shape[1];
            s.khw = w->shape[2] * w->shape[3];
            s.row = malloc((size_t)(s.cin * s.khw) * 2);
            s.row_out = malloc((size_t)(s.cin * s.khw) * 2);
            if (!s.row || !s.row_out) status = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory");
        }
        if (status == PIXEEN_OK)
            status = gpu_buffer_write_stream(ctx, dst->t.buffer, 0, w->n_elements * 2, produce, &s);
        free(s.row);
        free(s.row_out);
        out->bytes += w->n_elements * 2;
        if (status != PIXEEN_OK) error_wrap(status, "nn: uploading '%s': ", w->name);
    }
    free(scratch);
    if (status != PIXEEN_OK) {
        nn_weights_free(out);
        return status;
    }
    qsort(out->items, out->count, sizeof *out->items, by_name);
    return PIXEEN_OK;
}

void nn_weights_free(nn_weights *w) {
    for (size_t i = 0; i < w->count; i++) {
        gpu_buffer_destroy(w->items[i].t.buffer);
        free(w->items[i].name);
    }
    free(w->items);
    memset(w, 0, sizeof *w);
}
