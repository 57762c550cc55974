/* models.c — public API over the model and text layers: pixeen_model_inspect and
 * pixeen_tokenize_print (no GPU involved). */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/clock.h"
#include "core/secure_mem.h"
#include "core/text_escape.h"
#include "models/model.h"
#include "models/quantize.h"
#include "pipeline/family.h"
#include "text/prompt_weights.h"
#include "text/tokenizer_builtin.h"
#include "text/tokenizer_locate.h"

/* The family's pad rule for the tokenizer of text encoder `c` (OpenCLIP pads with "!"). */
static bool openclip_tokenizer(const model *m, model_component c) {
    const family_desc *fam = family_get(model_get_family(m));
    for (int e = 0; fam && e < fam->encoder_count; e++)
        if (fam->encoders[e].component == c) return fam->encoders[e].openclip_pad;
    return false;
}

static void print_count(FILE *out, uint64_t n) {
    if (n >= 1000000000ull) fprintf(out, "%.2f G", (double)n / 1e9);
    else if (n >= 1000000ull) fprintf(out, "%.2f M", (double)n / 1e6);
    else if (n >= 1000ull) fprintf(out, "%.1f k", (double)n / 1e3);
    else fprintf(out, "%llu", (unsigned long long)n);
}

static void print_bytes(FILE *out, uint64_t n) {
    if (n >= (1ull << 30)) fprintf(out, "%.2f GiB", (double)n / (double)(1ull << 30));
    else if (n >= (1ull << 20)) fprintf(out, "%.2f MiB", (double)n / (double)(1ull << 20));
    else fprintf(out, "%.1f KiB", (double)n / 1024.0);
}

/* Untrusted text (metadata, tensor and file names) as it is, with terminal escapes shown as \xNN. */
static void print_escaped(FILE *out, const char *text, size_t max) {
    char buf[4 * 1024 + 1];
    if (max > 1024) max = 1024;
    text_escape(buf, sizeof buf, text, max);
    fputs(buf, out);
}

static void print_metadata(FILE *out, const safetensors_file *f) {
    size_t n = safetensors_metadata_count(f);
    fputs("metadata of ", out);
    print_escaped(out, safetensors_path(f), 1024);
    fprintf(out, ": %s\n", n ? "" : "(none)");
    for (size_t i = 0; i < n; i++) {
        const char *k, *v;
        safetensors_metadata_at(f, i, &k, &v);
        /* values can be huge JSON blobs (training settings): show the start */
        size_t len = strlen(v);
        fputs("  ", out);
        print_escaped(out, k, 200);
        fputs(" = ", out);
        print_escaped(out, v, 200);
        fprintf(out, "%s\n", len > 200 ? " ..." : "");
    }
}

PIXEEN_API pixeen_status pixeen_model_inspect(const char *path, FILE *out) {
    if (!path || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "inspect: null argument");
    double t0 = clock_wall_seconds();
    model *m = NULL;
    PX_TRY(model_open(path, &m));
    double t1 = clock_wall_seconds();
    bool single = model_get_layout(m) == MODEL_LAYOUT_SINGLE_FILE;
    fputs("model:  ", out);
    print_escaped(out, model_path(m), 1024);
    fputc('\n', out);
    fprintf(out, "layout: %s\n", !single ? "diffusers folder" : model_has_diffusers_names(m) ? "single file, diffusers names"
                                                                                            : "single file, original layout");
    fprintf(out, "family: %s%s\n", model_family_name(model_get_family(m)), model_is_inpainting(m) ? " inpainting" : "");
    uint64_t total = 0;
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        if (!model_has(m, c)) {
            /* Say so for what the family needs (only SDXL has a second text encoder). */
            if (c == MODEL_TEXT_ENCODER_2 && model_get_family(m) != MODEL_FAMILY_SDXL) continue;
            char where[128];
            model_component_where(m, c, where, sizeof where);
            fprintf(out, "\n%s: MISSING (%s): this model cannot generate without it\n", model_component_name(c), where);
            continue;
        }
        uint64_t params = 0, by_dtype[SAFETENSORS_DTYPE_COUNT] = {0}, bytes_by_dtype[SAFETENSORS_DTYPE_COUNT] = {0};
        size_t n = model_weight_count(m, c);
        for (size_t i = 0; i < n; i++) {
            const model_weight *w = model_weight_at(m, c, i);
            params += w->n_elements;
            by_dtype[w->tensor->dtype] += w->n_elements;
            /* this weight's share of its stored tensor (a fused qkv holds three) */
            bytes_by_dtype[w->tensor->dtype] +=
                w->tensor->n_elements
                    ? (uint64_t)((double)w->tensor->nbytes * (double)w->n_elements / (double)w->tensor->n_elements)
                    : 0;
        }
        total += params;
        fprintf(out, "\n%s: ", model_component_name(c));
        print_count(out, params);
        fprintf(out, " parameters in %zu tensors,", n);
        for (int d = 0; d < SAFETENSORS_DTYPE_COUNT; d++)
            if (by_dtype[d]) {
                fprintf(out, " %s (", safetensors_dtype_name(d));
                print_bytes(out, bytes_by_dtype[d]);
                fputc(')', out);
            }
        if (!single) {
            fputs(" (", out);
            print_escaped(out, safetensors_path(model_component_file(m, c)), 1024);
            fputc(')', out);
        }
        fputc('\n', out);
        if (c == MODEL_TEXT_ENCODER || c == MODEL_TEXT_ENCODER_2) clip_config_print(model_clip_config(m, c), out);
        else if (c == MODEL_UNET) unet_config_print(model_unet_config(m), out);
        else vae_config_print(model_vae_config(m), out);
        size_t extras = model_extra_count(m, c);
        if (extras) {
            fprintf(out, "    %zu stored tensor%s not used:", extras, extras == 1 ? "" : "s");
            for (size_t i = 0; i < extras && i < 3; i++) {
                fputc(' ', out);
                print_escaped(out, model_extra_at(m, c, i), 1024);
            }
            fprintf(out, "%s\n", extras > 3 ? " ..." : "");
        }
        if (c == MODEL_TEXT_ENCODER || c == MODEL_TEXT_ENCODER_2) {
            char dir[4096];
            bool openclip = openclip_tokenizer(m, c);
            if (tokenizer_locate(NULL, model_tokenizer_dir(m, c), openclip, path, dir, sizeof dir) == PIXEEN_OK) {
                fputs("    tokenizer: ", out);
                print_escaped(out, dir, 1024);
                fputc('\n', out);
            } else {
                fprintf(out, "    tokenizer: %s (padding with %s)\n", TOKENIZER_BUILTIN_NAME,
                        openclip ? "\"!\"" : "<|endoftext|>");
            }
            error_clear();
        }
    }
    fprintf(out, "\ntotal: ");
    print_count(out, total);
    fprintf(out, " parameters; headers read and checked in %.1f ms\n\n",
            (t1 - t0) * 1e3);
    const safetensors_file *printed[MODEL_COMPONENT_COUNT] = {0};
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        const safetensors_file *f = model_component_file(m, c);
        bool seen = !f;
        for (int k = 0; k < c; k++) seen |= printed[k] == f;
        if (!seen) print_metadata(out, f);
        printed[c] = f;
    }
    model_close(m);
    return PIXEEN_OK;
}

PIXEEN_API pixeen_status pixeen_tokenize_print(const pixeen_tokenize_desc *desc, const char *prompt, FILE *out) {
    pixeen_tokenize_desc d = desc ? *desc : (pixeen_tokenize_desc){0};
    if (!prompt || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "tokenize: null argument");
    PX_TRY(api_check_reserved(d.reserved, sizeof d.reserved / sizeof d.reserved[0], "tokenize"));
    char dir[4096];
    const char *model_dir = NULL;
    model *m = NULL;
    bool openclip = false;
    int rows = 0; /* the text encoder's embedding rows, when the model has one */
    if (d.model_path && !d.tokenizer_dir) {
        PX_TRY(model_open(d.model_path, &m));
        if (!family_get(model_get_family(m))) {
            const char *name = model_family_name(model_get_family(m));
            model_close(m);
            return error_set(PIXEEN_ERROR_UNSUPPORTED, "tokenize: %s is a %s checkpoint, which this version cannot run",
                             d.model_path, name);
        }
        model_dir = model_tokenizer_dir(m, MODEL_TEXT_ENCODER);
        openclip = openclip_tokenizer(m, MODEL_TEXT_ENCODER);
        const clip_config *cc = model_clip_config(m, MODEL_TEXT_ENCODER);
        rows = cc ? cc->vocab_size : 0;
    }
    tokenizer *tok = NULL;
    pixeen_status st = tokenizer_open(d.tokenizer_dir, model_dir, openclip, d.model_path, &tok, dir, sizeof dir);
    model_close(m);
    PX_TRY(st);
    if (rows && tokenizer_vocab_size(tok) != rows) {
        st = error_set(PIXEEN_ERROR_TOKENIZER,
                       "tokenize: the tokenizer (%s) has %d tokens but %s's text encoder embeds %d: they belong to "
                       "different models (pass --tokenizer DIR with the model's own tokenizer)",
                       dir, (int)tokenizer_vocab_size(tok), d.model_path, rows);
        tokenizer_free(tok);
        return st;
    }
    prompt_chunks ch = {0};
    size_t len = strlen(prompt);
    if (d.plain) {
        /* literal text: the tokenizer's ids, chunked by 75 without emphasis parsing */
        int32_t *ids = NULL;
        size_t n = 0;
        st = tokenizer_encode(tok, prompt, len, &ids, &n);
        size_t chunks = n ? (n + PROMPT_CHUNK_TOKENS - 1) / PROMPT_CHUNK_TOKENS : 1;
        if (!st) {
            ch.ids = calloc(chunks, sizeof *ch.ids);
            ch.weights = calloc(chunks, sizeof *ch.weights);
            if (!ch.ids || !ch.weights) st = error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "tokenize: chunks");
        }
        for (size_t c = 0; !st && c < chunks; c++) {
            ch.ids[c][0] = tokenizer_bos(tok);
            size_t k = 0;
            for (; k < PROMPT_CHUNK_TOKENS && c * PROMPT_CHUNK_TOKENS + k < n; k++)
                ch.ids[c][1 + k] = ids[c * PROMPT_CHUNK_TOKENS + k];
            ch.ids[c][1 + k] = tokenizer_eos(tok);
            for (size_t j = k + 2; j < TOKENIZER_CONTEXT; j++) ch.ids[c][j] = tokenizer_pad(tok);
            for (size_t j = 0; j < TOKENIZER_CONTEXT; j++) ch.weights[c][j] = 1.0f;
        }
        ch.count = chunks;
        ch.token_count = n;
        secure_free(ids, n * sizeof *ids);
    } else {
        st = prompt_encode(tok, prompt, len, &ch);
    }
    if (!st) {
        /* the prompt's tokens of each chunk: up to its first end token (pad may equal end) */
        size_t used[64] = {0}, total = 0;
        for (size_t c = 0; c < ch.count; c++) {
            size_t i = 1;
            while (i + 1 < TOKENIZER_CONTEXT && ch.ids[c][i] != tokenizer_eos(tok)) i++;
            if (c < 64) used[c] = i - 1;
            total += i - 1;
        }
        fprintf(out, "tokenizer: %s\n", dir);
        fprintf(out, "tokens: %zu in %zu chunk%s of %d (start + 75 + end)\n", total, ch.count, ch.count == 1 ? "" : "s",
                TOKENIZER_CONTEXT);
        fprintf(out, "pieces:");
        for (size_t c = 0; c < ch.count; c++) {
            if (c) fprintf(out, " |");
            for (size_t i = 1; i <= (c < 64 ? used[c] : 0); i++) {
                const char *piece = tokenizer_piece(tok, ch.ids[c][i]);
                if (ch.weights[c][i] != 1.0f) fprintf(out, " %s(x%.4g)", piece ? piece : "?", (double)ch.weights[c][i]);
                else fprintf(out, " %s", piece ? piece : "?");
            }
        }
        fprintf(out, "\n");
        for (size_t c = 0; c < ch.count; c++) {
            fprintf(out, "ids[%zu]:", c);
            for (size_t i = 0; i < TOKENIZER_CONTEXT; i++) fprintf(out, " %d", ch.ids[c][i]);
            fprintf(out, "\n");
        }
    }
    prompt_chunks_free(&ch);
    tokenizer_free(tok);
    return st;
}

PIXEEN_API pixeen_status pixeen_model_quantize(const char *path, const char *out_path, const char *type, FILE *log) {
    return model_quantize(path, out_path, type, log);
}
