/* lora_file.c — see lora_file.h. */
#include "models/lora_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum part_kind { PART_DOWN, PART_UP, PART_ALPHA } part_kind;

static const struct {
    const char *suffix;
    part_kind kind;
} parts[] = {
    {".lora_down.weight", PART_DOWN}, {".lora_up.weight", PART_UP},
    {".lora_A.weight", PART_DOWN},    {".lora_B.weight", PART_UP},
    {".lora.down.weight", PART_DOWN}, {".lora.up.weight", PART_UP},
    {".lora_linear_layer.down.weight", PART_DOWN}, {".lora_linear_layer.up.weight", PART_UP},
    {".alpha", PART_ALPHA},
};

/* Parts of LyCORIS algorithms that are not a plain low-rank product. */
static const char *const refused[] = {".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b", ".hada_t1", ".hada_t2",
                                      ".lokr_w1",   ".lokr_w2",   ".lokr_w1_a", ".lokr_w2_a", ".lora_mid.weight",
                                      ".dora_scale", ".oft_blocks", ".diff", ".diff_b"};

static bool ends_with(const char *s, size_t len, const char *suffix, size_t *base_len) {
    size_t n = strlen(suffix);
    if (len <= n || memcmp(s + len - n, suffix, n)) return false;
    *base_len = len - n;
    return true;
}

typedef struct part {
    const safetensors_tensor *t;
    size_t base_len;
    part_kind kind;
} part;

static int by_base(const void *a, const void *b) {
    const part *x = a, *y = b;
    size_t n = x->base_len < y->base_len ? x->base_len : y->base_len;
    int c = memcmp(x->t->name, y->t->name, n);
    if (c) return c;
    if (x->base_len != y->base_len) return x->base_len < y->base_len ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static bool same_base(const part *x, const part *y) {
    return x->base_len == y->base_len && !memcmp(x->t->name, y->t->name, x->base_len);
}

static void shape_text(char *buf, size_t size, const safetensors_tensor *t) {
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < t->ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
    if (at < size) snprintf(buf + at, size - at, "]");
}

/* Checks one module's halves and reads its alpha. */
static pixeen_status check_module(const safetensors_file *sf, lora_module *m, const safetensors_tensor *alpha) {
    const char *file = safetensors_path(sf);
    const safetensors_tensor *d = m->down, *u = m->up;
    if (!d || !u)
        return error_set(PIXEEN_ERROR_FORMAT, "lora: %s: module '%s' has a %s half but no %s half", file, m->base,
                         d ? "down" : "up", d ? "up" : "down");
    const safetensors_tensor *ts[3] = {d, u, alpha};
    for (int i = 0; i < 3; i++)
        if (ts[i] && !safetensors_dtype_is_weight(ts[i]->dtype))
            return error_set(PIXEEN_ERROR_FORMAT, "lora: %s: '%s' is %s (expected F32, F16 or BF16)", file, ts[i]->name,
                             safetensors_dtype_name(ts[i]->dtype));
    char ds[96], us[96];
    shape_text(ds, sizeof ds, d);
    shape_text(us, sizeof us, u);
    bool down_ok = d->ndim == 2 || d->ndim == 4;
    bool up_ok = u->ndim == 2 || (u->ndim == 4 && u->shape[2] == 1 && u->shape[3] == 1);
    if (!down_ok || !up_ok || d->shape[0] != u->shape[1] || d->shape[0] <= 0 || u->shape[0] <= 0 || d->shape[1] <= 0)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "lora: %s: module '%s' has down %s and up %s (expected down [R, K] or [R, Cin, kh, kw] and up "
                         "[N, R] or [N, R, 1, 1] with the same rank R)",
                         file, m->base, ds, us);
    m->rank = d->shape[0];
    m->alpha = (float)m->rank;
    if (alpha) {
        if (alpha->n_elements != 1)
            return error_set(PIXEEN_ERROR_FORMAT, "lora: %s: '%s' holds %llu values (expected one)", file, alpha->name,
                             (unsigned long long)alpha->n_elements);
        PX_TRY(safetensors_read_f32(sf, alpha, 0, 1, &m->alpha));
        if (!(m->alpha == m->alpha) || m->alpha > 1e9f || m->alpha < -1e9f)
            return error_set(PIXEEN_ERROR_FORMAT, "lora: %s: '%s' is not a finite number", file, alpha->name);
    }
    return PIXEEN_OK;
}

static pixeen_status group(lora_file *lf) {
    const char *name = safetensors_path(lf->file);
    size_t n = safetensors_count(lf->file);
    part *ps = calloc(n ? n : 1, sizeof *ps);
    lf->modules = calloc(n ? n : 1, sizeof *lf->modules);
    if (!ps || !lf->modules) {
        free(ps);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    }
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        const safetensors_tensor *t = safetensors_at(lf->file, i);
        size_t len = strlen(t->name), base_len = 0;
        for (size_t r = 0; r < sizeof refused / sizeof refused[0]; r++)
            if (ends_with(t->name, len, refused[r], &base_len)) {
                free(ps);
                return error_set(PIXEEN_ERROR_UNSUPPORTED,
                                 "lora: %s: '%s' belongs to a LyCORIS LoHa / LoKr / Tucker / DoRA / OFT module, which "
                                 "Pixeen does not merge (it merges LoRA and LoCon)",
                                 name, t->name);
            }
        bool found = false;
        /* diffusers' attention-processor LoRAs: "<attn>.processor.to_q_lora.down.weight" */
        if (strstr(t->name, ".processor.") && !strstr(t->name, ".lora.") &&
            (ends_with(t->name, len, ".down.weight", &base_len) || ends_with(t->name, len, ".up.weight", &base_len))) {
            ps[np++] = (part){t, base_len, t->name[base_len + 1] == 'd' ? PART_DOWN : PART_UP};
            found = true;
        }
        for (size_t k = 0; k < sizeof parts / sizeof parts[0] && !found; k++)
            if (ends_with(t->name, len, parts[k].suffix, &base_len)) {
                ps[np++] = (part){t, base_len, parts[k].kind};
                found = true;
            }
        if (!found) {
            if (lf->stray < 3) snprintf(lf->first_stray[lf->stray], sizeof lf->first_stray[0], "%s", t->name);
            lf->stray++;
        }
    }
    qsort(ps, np, sizeof *ps, by_base);
    pixeen_status st = PIXEEN_OK;
    for (size_t i = 0; i < np && st == PIXEEN_OK;) {
        size_t j = i;
        lora_module *m = &lf->modules[lf->count];
        const safetensors_tensor *alpha = NULL;
        while (j < np && same_base(&ps[i], &ps[j])) {
            const safetensors_tensor **slot = ps[j].kind == PART_DOWN ? &m->down : ps[j].kind == PART_UP ? &m->up : &alpha;
            if (*slot) {
                st = error_set(PIXEEN_ERROR_FORMAT, "lora: %s: '%s' and '%s' are the same part of one module", name,
                               (*slot)->name, ps[j].t->name);
                break;
            }
            *slot = ps[j].t;
            j++;
        }
        if (st != PIXEEN_OK) break;
        m->base = malloc(ps[i].base_len + 1);
        if (!m->base) {
            st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
            break;
        }
        memcpy(m->base, ps[i].t->name, ps[i].base_len);
        m->base[ps[i].base_len] = 0;
        lf->count++;
        if (!m->down && !m->up) { /* an alpha alone: a stray tensor, not a module */
            free(m->base);
            memset(m, 0, sizeof *m);
            lf->count--;
            if (lf->stray < 3) snprintf(lf->first_stray[lf->stray], sizeof lf->first_stray[0], "%s", alpha->name);
            lf->stray++;
        } else {
            st = check_module(lf->file, m, alpha);
        }
        i = j;
    }
    free(ps);
    if (st == PIXEEN_OK && lf->count == 0)
        st = error_set(PIXEEN_ERROR_FORMAT,
                       "lora: %s holds no LoRA module (no '.lora_down.weight' / '.lora_up.weight' or "
                       "'.lora_A.weight' / '.lora_B.weight' pairs among its %zu tensors)",
                       name, n);
    return st;
}

static pixeen_status finish_open(safetensors_file *sf, lora_file **out) {
    lora_file *lf = calloc(1, sizeof *lf);
    if (!lf) {
        safetensors_close(sf);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "lora: out of host memory");
    }
    lf->file = sf;
    pixeen_status st = group(lf);
    if (st != PIXEEN_OK) {
        lora_file_close(lf);
        return st;
    }
    *out = lf;
    return PIXEEN_OK;
}

pixeen_status lora_file_open(const char *path, lora_file **out) {
    *out = NULL;
    safetensors_file *sf = NULL;
    pixeen_status st = safetensors_open(path, &sf);
    if (st != PIXEEN_OK) return error_wrap(st, "lora: ");
    return finish_open(sf, out);
}

pixeen_status lora_file_open_memory(const void *data, size_t size, const char *name, lora_file **out) {
    *out = NULL;
    safetensors_file *sf = NULL;
    pixeen_status st = safetensors_open_memory(data, size, name, &sf);
    if (st != PIXEEN_OK) return error_wrap(st, "lora: ");
    return finish_open(sf, out);
}

void lora_file_close(lora_file *f) {
    if (!f) return;
    for (size_t i = 0; i < f->count; i++) free(f->modules[i].base);
    free(f->modules);
    safetensors_close(f->file);
    free(f);
}
