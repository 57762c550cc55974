/* nn_graph.c — the activation arena (planned by liveness), weight lookup, and graph status.
 *
 * The arena is a first-fit allocator over a virtual range. In the planning pass it only computes
 * offsets and the peak; in the recording pass the same sequence of calls yields the same offsets
 * inside the real buffer, sized to that peak. */
#include <stdlib.h>
#include <string.h>

#include "models/nn.h"

/* Every activation starts on a 256-byte boundary: a multiple of every device's storage-buffer
 * offset alignment, so any activation can be bound on its own. */
#define ARENA_ALIGN 256

pixeen_status nn_fail(nn_graph *g, pixeen_status status) {
    if (g->status == PIXEEN_OK) g->status = status;
    if (g->rec) gpu_recorder_fail(g->rec, status);
    return g->status;
}

static bool arena_take(nn_arena *a, uint64_t size, uint64_t *offset) {
    for (uint32_t i = 0; i < a->free_count; i++) {
        nn_arena_range *r = &a->free[i];
        if (r->size < size) continue;
        *offset = r->offset;
        r->offset += size;
        r->size -= size;
        if (r->size == 0) {
            memmove(r, r + 1, (a->free_count - i - 1) * sizeof *r);
            a->free_count--;
        }
        return true;
    }
    /* Nothing free fits: extend the top (merging with a free range that ends at the top). */
    uint64_t start = a->top;
    if (a->free_count && a->free[a->free_count - 1].offset + a->free[a->free_count - 1].size == a->top) {
        start = a->free[a->free_count - 1].offset;
        a->free_count--;
    }
    *offset = start;
    a->top = start + size;
    if (a->top > a->peak) a->peak = a->top;
    return true;
}

static bool arena_give(nn_arena *a, uint64_t offset, uint64_t size) {
    uint32_t i = 0;
    while (i < a->free_count && a->free[i].offset < offset) i++;
    if (a->free_count == a->free_capacity) {
        uint32_t capacity = a->free_capacity ? a->free_capacity * 2 : 64;
        nn_arena_range *grown = realloc(a->free, capacity * sizeof *grown);
        if (!grown) return false;
        a->free = grown;
        a->free_capacity = capacity;
    }
    memmove(&a->free[i + 1], &a->free[i], (a->free_count - i) * sizeof *a->free);
    a->free[i] = (nn_arena_range){offset, size};
    a->free_count++;
    /* merge with neighbours */
    if (i + 1 < a->free_count && a->free[i].offset + a->free[i].size == a->free[i + 1].offset) {
        a->free[i].size += a->free[i + 1].size;
        memmove(&a->free[i + 1], &a->free[i + 2], (a->free_count - i - 2) * sizeof *a->free);
        a->free_count--;
    }
    if (i > 0 && a->free[i - 1].offset + a->free[i - 1].size == a->free[i].offset) {
        a->free[i - 1].size += a->free[i].size;
        memmove(&a->free[i], &a->free[i + 1], (a->free_count - i - 1) * sizeof *a->free);
        a->free_count--;
    }
    return true;
}

tensor nn_alloc(nn_graph *g, uint32_t rank, const int64_t *shape) { return nn_alloc_dtype(g, g->act, rank, shape); }

tensor nn_alloc_dtype(nn_graph *g, tensor_dtype dtype, uint32_t rank, const int64_t *shape) {
    tensor t = {0};
    t.dtype = dtype;
    t.rank = rank;
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    uint64_t size = (tensor_bytes(&t) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (size == 0 || !arena_take(g->arena, size, &t.offset)) {
        nn_fail(g, error_set(PIXEEN_ERROR_INTERNAL, "nn: cannot allocate an activation of %llu bytes",
                             (unsigned long long)size));
        return t;
    }
    if (g->arena->buffer && t.offset + size > g->arena->capacity) {
        nn_fail(g, error_set(PIXEEN_ERROR_INTERNAL, "nn: the recording pass outgrew the planned arena (%llu > %llu bytes)",
                             (unsigned long long)(t.offset + size), (unsigned long long)g->arena->capacity));
        return t;
    }
    if (size > g->arena->largest) g->arena->largest = size;
    t.buffer = g->arena->buffer;
    return t;
}

tensor nn_alloc4(nn_graph *g, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    return nn_alloc(g, 4, (const int64_t[]){d0, d1, d2, d3});
}
tensor nn_alloc3(nn_graph *g, int64_t d0, int64_t d1, int64_t d2) { return nn_alloc(g, 3, (const int64_t[]){d0, d1, d2}); }
tensor nn_alloc2(nn_graph *g, int64_t d0, int64_t d1) { return nn_alloc(g, 2, (const int64_t[]){d0, d1}); }

void nn_release(nn_graph *g, tensor *t) {
    if (!t->rank) return;
    uint64_t size = (tensor_bytes(t) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (!arena_give(g->arena, t->offset, size)) nn_fail(g, error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "nn: out of host memory"));
    memset(t, 0, sizeof *t);
}

tensor nn_view(tensor t, uint32_t rank, const int64_t *shape) {
    tensor v = t;
    v.rank = rank;
    for (uint32_t i = 0; i < rank; i++) v.shape[i] = shape[i];
    return v;
}

static const nn_weight *weight_lookup(const nn_weights *w, const char *name) {
    /* Weights are sorted by name at upload: binary search. */
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(w->items[mid].name, name);
        if (c == 0) return &w->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const tensor *nn_weight_find(const nn_graph *g, const char *prefix, const char *suffix) {
    char name[256];
    snprintf(name, sizeof name, "%s.%s", prefix, suffix);
    const nn_weight *w = weight_lookup(g->weights, name);
    return w ? &w->t : NULL;
}

bool nn_weight_has(const nn_graph *g, const char *prefix, const char *suffix) {
    return nn_weight_find(g, prefix, suffix) != NULL;
}

tensor nn_weight_get(nn_graph *g, const char *prefix, const char *suffix, uint32_t rank, const int64_t *shape) {
    char name[256];
    tensor empty = {0};
    snprintf(name, sizeof name, "%s.%s", prefix, suffix);
    const nn_weight *w = weight_lookup(g->weights, name);
    if (!w) {
        nn_fail(g, error_set(PIXEEN_ERROR_MODEL, "nn: weight '%s' is missing", name));
        return empty;
    }
    bool match = w->t.rank == rank;
    for (uint32_t i = 0; match && i < rank; i++) match = shape[i] < 0 || shape[i] == w->t.shape[i];
    if (!match) {
        char got[96] = "", want[96] = "";
        for (uint32_t i = 0; i < w->t.rank; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? "," : "", (long long)w->t.shape[i]);
        for (uint32_t i = 0; i < rank; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", i ? "," : "", (long long)shape[i]);
        nn_fail(g, error_set(PIXEEN_ERROR_MODEL, "nn: weight '%s' has shape [%s] (expected [%s])", name, got, want));
        return empty;
    }
    return w->t;
}
