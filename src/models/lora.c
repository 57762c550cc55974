/* lora.c — see lora.h. Planning (files, names, shapes) happens on the host before any GPU write;
 * the merge then runs in batches: each batch's up/down factors (fp32) are uploaded into one
 * scratch buffer and one recording copies every weight it touches for the first time to its
 * backup, then merges (up @ down into an fp32 scratch by the matrix-product kernels, then added). */
#include "models/lora.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/platform.h"
#include "core/log.h"
#include "models/lora_file.h"
#include "models/lora_names.h"
#include "ops/lora_merge.h"

/* Factors of up to this many bytes share one upload and one submit; bounds the scratch buffer. */
#define LORA_BATCH_BYTES (64ull << 20)
/* Piece alignment inside the scratch buffer: a multiple of every device's texel-offset alignment. */
#define LORA_ALIGN 256ull

typedef struct backup {
    tensor *target;    /* in the model's nn_weights */
    gpu_buffer *copy;  /* the original bytes */
} backup;

typedef struct applied {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    int64_t mtime_ns;
    float te, unet;
} applied;

struct lora_state {
    const model *model;
    nn_weights *weights;    /* the model's, [MODEL_COMPONENT_COUNT]: their Winograd kernels follow every change */
    lora_name_map *names;   /* built once per model */
    backup *backups;
    size_t backup_count, backup_capacity;
    applied *applied;
    size_t applied_count;
    size_t merged_modules;
};

typedef struct plan_item {
    const lora_file *file;
    const lora_module *module;
    tensor *target;
    int64_t n, k;          /* the target as a matrix [N, K] in GPU order */
    int64_t cin, khw;      /* for a kh x kw `down`: reorder [R, Cin, kh*kw] -> [R, kh*kw, Cin] */
    float scale;
} plan_item;

static double now_ms(void) { return clock_wall_seconds() * 1e3; }

static void shape_text(char *buf, size_t size, int ndim, const int64_t *shape) {
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (at < size) snprintf(buf + at, size - at, "]");
}

static tensor *find_weight(nn_weights *w, const char *name) {
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(w->items[mid].name, name);
        if (!c) return &w->items[mid].t;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Checks that the module's update fits `t` and fills the item's geometry. */
static pixeen_status fit(const lora_file *lf, const lora_module *mod, const char *weight, tensor *t, plan_item *it) {
    const safetensors_tensor *d = mod->down, *u = mod->up;
    if (t->dtype != DTYPE_F16)
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "lora: %s: the layer '%s' is not stored as fp16 on the GPU (a quantized model?): LoRA is merged "
                         "into fp16 weights only",
                         safetensors_path(lf->file), weight);
    bool ok = t->dtype == DTYPE_F16 && (t->rank == 2 || t->rank == 4) && u->shape[0] == t->shape[0];
    it->n = t->shape[0];
    it->cin = 0;
    it->khw = 1;
    if (ok && t->rank == 4 && (t->shape[2] > 1 || t->shape[3] > 1)) { /* LoCon: kh x kw down, 1x1 up */
        ok = d->ndim == 4 && d->shape[1] == t->shape[1] && d->shape[2] == t->shape[2] && d->shape[3] == t->shape[3];
        it->cin = t->shape[1];
        it->khw = t->shape[2] * t->shape[3];
        it->k = it->cin * it->khw;
    } else if (ok) { /* linear, or a 1x1 convolution: the same matrix */
        it->k = t->shape[1];
        ok = d->shape[1] == it->k && (d->ndim == 2 || (d->shape[2] == 1 && d->shape[3] == 1));
    }
    if (ok) return PIXEEN_OK;
    char ds[96], us[96], ws[96];
    shape_text(ds, sizeof ds, d->ndim, d->shape);
    shape_text(us, sizeof us, u->ndim, u->shape);
    shape_text(ws, sizeof ws, (int)t->rank, t->shape);
    return error_set(PIXEEN_ERROR_MODEL,
                     "lora: %s: module '%s' (down %s, up %s) does not fit the layer '%s' %s (a LoRA for another "
                     "model?)",
                     safetensors_path(lf->file), mod->base, ds, us, weight, ws);
}

/* Matches every module of `lf` and appends the items; warns about modules that match nothing. */
static pixeen_status plan_file(lora_state *s, nn_weights *weights, const lora_file *lf, const lora_request *req,
                               plan_item **items, size_t *count, size_t *capacity) {
    size_t unmatched = 0;
    char first[3][96] = {"", "", ""};
    for (size_t i = 0; i < lf->count; i++) {
        const lora_module *mod = &lf->modules[i];
        model_component c;
        const char *weight;
        tensor *t = NULL;
        if (lora_name_map_find(s->names, mod->base, &c, &weight)) t = find_weight(&weights[c], weight);
        if (!t) {
            if (unmatched < 3) snprintf(first[unmatched], sizeof first[0], "%s", mod->base);
            unmatched++;
            continue;
        }
        plan_item it = {.file = lf, .module = mod, .target = t};
        PX_TRY(fit(lf, mod, weight, t, &it));
        it.scale = (c == MODEL_UNET ? req->unet_weight : req->te_weight) * mod->alpha / (float)mod->rank;
        if (it.scale == 0.0f) continue;
        if (*count == *capacity) {
            size_t cap = *capacity ? *capacity * 2 : 256;
            plan_item *grown = realloc(*items, cap * sizeof *grown);
            if (!grown) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
            *items = grown;
            *capacity = cap;
        }
        (*items)[(*count)++] = it;
    }
    const char *path = safetensors_path(lf->file);
    if (unmatched == lf->count)
        log_warn("lora: %s: none of its %zu modules names a layer of this model (made for another model family?); "
                 "first: %s%s%s%s%s",
                 path, lf->count, first[0], first[1][0] ? ", " : "", first[1], first[2][0] ? ", " : "", first[2]);
    else if (unmatched)
        log_warn("lora: %s: %zu of its %zu modules name no layer of this model and are skipped; first: %s%s%s%s%s", path,
                 unmatched, lf->count, first[0], first[1][0] ? ", " : "", first[1], first[2][0] ? ", " : "", first[2]);
    if (lf->stray)
        log_warn("lora: %s: %zu tensors are no LoRA module's part and are ignored; first: %s%s%s%s%s", path, lf->stray,
                 lf->first_stray[0], lf->stray > 1 ? ", " : "", lf->stray > 1 ? lf->first_stray[1] : "",
                 lf->stray > 2 ? ", " : "", lf->stray > 2 ? lf->first_stray[2] : "");
    return PIXEEN_OK;
}

static uint64_t align_up(uint64_t v) { return (v + LORA_ALIGN - 1) / LORA_ALIGN * LORA_ALIGN; }
static uint64_t item_bytes(const plan_item *it) {
    return align_up((uint64_t)(it->n * it->module->rank) * 4) + align_up((uint64_t)(it->module->rank * it->k) * 4);
}

/* Reads one item's factors in fp32: up [N, R] as stored, and down transposed to [K, R] (the
 * matrix product's weight layout) with K in the GPU's kernel order ([kh, kw, Cin] for a kh x kw
 * convolution, whose file order is [Cin, kh, kw]). */
static pixeen_status read_factors(const plan_item *it, float *up, float *down_t, float *scratch) {
    const safetensors_file *f = it->file->file;
    int64_t r = it->module->rank;
    PX_TRY(safetensors_read_f32(f, it->module->up, 0, (uint64_t)(it->n * r), up));
    PX_TRY(safetensors_read_f32(f, it->module->down, 0, (uint64_t)(r * it->k), scratch));
    int64_t cin = it->khw == 1 ? it->k : it->cin;
    for (int64_t j = 0; j < r; j++)
        for (int64_t c = 0; c < cin; c++)
            for (int64_t p = 0; p < it->khw; p++) down_t[(p * cin + c) * r + j] = scratch[(j * cin + c) * it->khw + p];
    return PIXEEN_OK;
}

static backup *backup_of(lora_state *s, const tensor *t) {
    for (size_t i = 0; i < s->backup_count; i++)
        if (s->backups[i].target == t) return &s->backups[i];
    return NULL;
}

/* Uploads and merges items [first, last) whose factors fit `scratch`. */
static pixeen_status merge_batch(gpu_context *ctx, lora_state *s, plan_item *items, size_t first, size_t last,
                                 gpu_buffer *scratch, const tensor *delta, gpu_recorder *rec) {
    float *host = NULL, *tmp = NULL;
    size_t host_cap = 0;
    pixeen_status st = PIXEEN_OK;
    uint64_t at = 0;
    gpu_recorder_begin(rec);
    for (size_t i = first; i < last && st == PIXEEN_OK; i++) {
        plan_item *it = &items[i];
        int64_t r = it->module->rank;
        size_t nu = (size_t)(it->n * r), nd = (size_t)(r * it->k);
        if (nu + 2 * nd > host_cap) {
            free(host);
            host_cap = nu + 2 * nd;
            host = malloc(host_cap * sizeof *host);
            if (!host) {
                st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
                break;
            }
        }
        tmp = host + nu + nd;
        st = read_factors(it, host, host + nu, tmp);
        if (st != PIXEEN_OK) break;
        uint64_t up_at = at, down_at = at + align_up(nu * 4);
        st = gpu_buffer_upload(ctx, scratch, up_at, host, nu * 4);
        if (st == PIXEEN_OK) st = gpu_buffer_upload(ctx, scratch, down_at, host + nu, nd * 4);
        at += item_bytes(it);
        if (st == PIXEEN_OK && !backup_of(s, it->target)) {
            if (s->backup_count == s->backup_capacity) {
                size_t cap = s->backup_capacity ? s->backup_capacity * 2 : 256;
                backup *grown = realloc(s->backups, cap * sizeof *grown);
                if (!grown) {
                    st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
                    break;
                }
                s->backups = grown;
                s->backup_capacity = cap;
            }
            backup *b = &s->backups[s->backup_count];
            b->target = it->target;
            st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, tensor_bytes(it->target), "lora original", &b->copy);
            if (st != PIXEEN_OK) break;
            s->backup_count++;
            gpu_record_copy(rec, it->target->buffer, it->target->offset, b->copy, 0, tensor_bytes(it->target));
        }
        tensor up = {.dtype = DTYPE_F32, .rank = 1, .shape = {(int64_t)nu}, .buffer = scratch, .offset = up_at};
        tensor down = {.dtype = DTYPE_F32, .rank = 1, .shape = {(int64_t)nd}, .buffer = scratch, .offset = down_at}; /* [K, R] */
        if (st == PIXEEN_OK) op_lora_merge_record(rec, it->target, it->n, it->k, r, &up, &down, delta, it->scale);
    }
    free(host);
    pixeen_status end = gpu_recorder_end(rec);
    if (st == PIXEEN_OK) st = end;
    if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    return st;
}

/* The merged or restored weights' Winograd kernels (nn.h, nn_winograd_cache) made anew. */
static pixeen_status refresh_transforms(gpu_context *ctx, nn_weights weights[MODEL_COMPONENT_COUNT]) {
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) PX_TRY(nn_weights_winograd_refresh(ctx, &weights[c]));
    return PIXEEN_OK;
}

/* Copies the originals back; `refresh`: the Winograd kernels too (not when a merge follows). */
static pixeen_status restore(gpu_context *ctx, lora_state *s, bool refresh) {
    if (!s) return PIXEEN_OK;
    for (size_t i = 0; i < s->applied_count; i++) free(s->applied[i].path);
    free(s->applied);
    s->applied = NULL;
    s->applied_count = 0;
    s->merged_modules = 0;
    if (!s->backup_count) return PIXEEN_OK;
    double t0 = now_ms();
    gpu_recorder *rec = NULL;
    pixeen_status st = gpu_recorder_create(ctx, &rec);
    if (st == PIXEEN_OK) {
        gpu_recorder_begin(rec);
        for (size_t i = 0; i < s->backup_count; i++)
            gpu_record_copy(rec, s->backups[i].copy, 0, s->backups[i].target->buffer, s->backups[i].target->offset,
                            tensor_bytes(s->backups[i].target));
        st = gpu_recorder_end(rec);
        if (st == PIXEEN_OK) st = gpu_recorder_submit(rec);
    }
    gpu_recorder_destroy(rec);
    if (st != PIXEEN_OK) return error_wrap(st, "lora: restoring the original weights: ");
    for (size_t i = 0; i < s->backup_count; i++) gpu_buffer_destroy(s->backups[i].copy);
    log_info("lora: %zu original weights restored in %.1f ms", s->backup_count, now_ms() - t0);
    s->backup_count = 0;
    return refresh && s->weights ? refresh_transforms(ctx, s->weights) : PIXEEN_OK;
}

pixeen_status lora_restore(gpu_context *ctx, lora_state *s) { return restore(ctx, s, true); }

void lora_state_free(lora_state *s) {
    if (!s) return;
    for (size_t i = 0; i < s->backup_count; i++) gpu_buffer_destroy(s->backups[i].copy);
    for (size_t i = 0; i < s->applied_count; i++) free(s->applied[i].path);
    free(s->applied);
    free(s->backups);
    lora_name_map_free(s->names);
    free(s);
}

size_t lora_state_merged_modules(const lora_state *s) { return s ? s->merged_modules : 0; }

/* The identity of the request (files as they are on disk now, weights). */
static pixeen_status describe(const lora_request *list, size_t count, applied **out) {
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (!list[i].path || stat(list[i].path, &st) != 0)
            return error_set(PIXEEN_ERROR_IO, "lora: cannot read '%s': %s", list[i].path ? list[i].path : "(null)",
                             strerror(list[i].path ? errno : EINVAL));
        applied *a = &(*out)[i];
        a->path = strdup(list[i].path);
        if (!a->path) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
        a->dev = st.st_dev;
        a->ino = st.st_ino;
        a->size = st.st_size;
        a->mtime_ns = platform_mtime_ns(&st);
        a->te = list[i].te_weight;
        a->unet = list[i].unet_weight;
    }
    return PIXEEN_OK;
}

static bool same(const applied *a, size_t na, const applied *b, size_t nb) {
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].path, b[i].path) || a[i].dev != b[i].dev || a[i].ino != b[i].ino || a[i].size != b[i].size ||
            a[i].mtime_ns != b[i].mtime_ns || a[i].te != b[i].te ||
            a[i].unet != b[i].unet)
            return false;
    return true;
}

static void free_applied(applied *a, size_t n) {
    for (size_t i = 0; a && i < n; i++) free(a[i].path);
    free(a);
}

pixeen_status lora_apply(gpu_context *ctx, const model *m, nn_weights weights[MODEL_COMPONENT_COUNT], lora_state **state,
                         const lora_request *list, size_t count) {
    if (!*state && count == 0) return PIXEEN_OK;
    if (!*state) {
        *state = calloc(1, sizeof **state);
        if (!*state) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
        (*state)->model = m;
    }
    (*state)->weights = weights;
    lora_state *s = *state;
    applied *want = NULL;
    pixeen_status st = describe(list, count, &want);
    if (st == PIXEEN_OK && same(want, count, s->applied, s->applied_count)) {
        free_applied(want, count);
        return PIXEEN_OK;
    }
    double t0 = now_ms();
    if (st == PIXEEN_OK && !s->names) st = lora_name_map_build(m, &s->names);
    lora_file **files = calloc(count ? count : 1, sizeof *files);
    plan_item *items = NULL;
    size_t n_items = 0, cap = 0;
    if (!files && st == PIXEEN_OK) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    for (size_t i = 0; i < count && st == PIXEEN_OK; i++) {
        st = lora_file_open(list[i].path, &files[i]);
        if (st == PIXEEN_OK) st = plan_file(s, weights, files[i], &list[i], &items, &n_items, &cap);
    }
    /* Planned and checked: only now do the weights change. */
    if (st == PIXEEN_OK) st = restore(ctx, s, n_items == 0);
    double t1 = now_ms();
    gpu_recorder *rec = NULL;
    gpu_buffer *scratch = NULL;
    if (st == PIXEEN_OK && n_items) {
        uint64_t biggest = 0, total = 0, delta_n = 0;
        for (size_t i = 0; i < n_items; i++) {
            uint64_t b = item_bytes(&items[i]);
            total += b;
            if (b > biggest) biggest = b;
            if ((uint64_t)(items[i].n * items[i].k) > delta_n) delta_n = (uint64_t)(items[i].n * items[i].k);
        }
        /* the largest layer's update in fp32 (SDXL's biggest, a 3x3 1280->1280 kernel: 59 MB) */
        tensor delta = {.dtype = DTYPE_F32, .rank = 1, .shape = {(int64_t)delta_n}};
        uint64_t size = total < LORA_BATCH_BYTES ? total : LORA_BATCH_BYTES;
        if (biggest > size) size = biggest;
        st = gpu_recorder_create(ctx, &rec);
        if (st == PIXEEN_OK) st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, size, "lora factors", &scratch);
        if (st == PIXEEN_OK) st = gpu_buffer_create(ctx, GPU_MEMORY_DEVICE, delta_n * 4, "lora update", &delta.buffer);
        for (size_t first = 0; first < n_items && st == PIXEEN_OK;) {
            size_t last = first;
            uint64_t used = 0;
            while (last < n_items && (last == first || used + item_bytes(&items[last]) <= size))
                used += item_bytes(&items[last++]);
            st = merge_batch(ctx, s, items, first, last, scratch, &delta, rec);
            first = last;
        }
        gpu_buffer_destroy(delta.buffer);
    }
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(scratch);
    for (size_t i = 0; i < count; i++) lora_file_close(files ? files[i] : NULL);
    free(files);
    free(items);
    if (st == PIXEEN_OK && n_items) st = refresh_transforms(ctx, weights);
    if (st != PIXEEN_OK) {
        free_applied(want, count);
        pixeen_status saved = st;
        char message[1024];
        snprintf(message, sizeof message, "%s", error_message());
        if (lora_restore(ctx, s) != PIXEEN_OK) log_warn("lora: %s", error_message());
        return error_set(saved, "%s", message);
    }
    s->applied = want;
    s->applied_count = count;
    s->merged_modules = n_items;
    if (count)
        log_info("lora: %zu modules of %zu file(s) merged into %zu weights in %.1f ms (planning and restoring the last set: %.1f ms)",
                 n_items, count, s->backup_count, now_ms() - t1, t1 - t0);
    return PIXEEN_OK;
}
