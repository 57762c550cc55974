/* test_embeddings.c — textual inversion:
 *  - host: embedding files in every layout (A1111 emb_params, a diffusers single key, SDXL's
 *    clip_l / clip_g, a single [D] vector) and every refusal (another width, more than 75 vectors,
 *    unknown keys, truncated and bit-flipped bytes); names matched on tokens, longest first; a
 *    multi-vector embedding never split across 77-token chunks; emphasis applies to its vectors;
 *  - GPU: the embedding_inject kernel against its plain-C reference at odd sizes, in fp32 and fp16;
 *  - the check, end to end on the tiny SD 1.5 model (default fp16): an embedding file
 *    holding the token-embedding rows of "astronaut riding" reproduces the prompt written with
 *    those words exactly (same final latents and image bits), in the prompt and in the negative
 *    prompt; a pickled .pt of that name is not loaded (warning) and leaves the word as text;
 *  - the same on the tiny SDXL model with an SDXL embedding: clip_l holds the first encoder's rows,
 *    clip_g the second's (OpenCLIP bigG); both are injected, each into its own encoder, and the
 *    result is the words' bit for bit; with clip_g holding other rows it is not (so the second
 *    encoder reads clip_g, not the name as text or clip_l). */
#include <unistd.h>

#include "gpu_test.h"
#include "models/embedding_file.h"
#include "models/model.h"
#include "ops/embedding_inject.h"
#include "ops/reference_embedding_inject.h"
#include "pipeline/txt2img.h"
#include "st_write.h"
#include "text/prompt_weights.h"

static char scratch[64];

static void test_files(void) {
    float v[100 * 8];
    test_fill_random(v, 800, 3, -1, 1);
    struct {
        st_entry e[2];
        size_t n;
        model_component c;
        pixeen_status want;
        int64_t count;
        int rounded; /* the vectors read come from an F16 tensor */
    } cases[] = {
        {{{"emb_params", "F32", 2, {3, 8}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_OK, 3, 0},
        {{{"<cat-toy>", "F16", 1, {8}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_OK, 1, 1},
        {{{"clip_g", "F16", 2, {2, 12}, v}, {"clip_l", "F32", 2, {2, 8}, v}}, 2, MODEL_TEXT_ENCODER, PIXEEN_OK, 2, 0},
        {{{"clip_g", "F16", 2, {2, 8}, v}, {"clip_l", "F32", 2, {2, 12}, v}}, 2, MODEL_TEXT_ENCODER_2, PIXEEN_OK, 2, 1},
        {{{"emb_params", "F32", 2, {3, 9}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_ERROR_MODEL, 0, 0},
        {{{"emb_params", "F32", 2, {76, 8}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_ERROR_FORMAT, 0, 0},
        {{{"a", "F32", 1, {8}, v}, {"b", "F32", 1, {8}, v}}, 2, MODEL_TEXT_ENCODER, PIXEEN_ERROR_FORMAT, 0, 0},
        {{{"emb_params", "F32", 3, {1, 2, 4}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_ERROR_FORMAT, 0, 0},
        {{{"clip_g", "F16", 2, {2, 8}, v}}, 1, MODEL_TEXT_ENCODER, PIXEEN_ERROR_MODEL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *b = NULL;
        size_t size = st_build(cases[i].e, cases[i].n, &b);
        safetensors_file *f = NULL;
        CHECK_OK(safetensors_open_memory(b, size, "emb", &f));
        float *vec = NULL;
        int64_t count = 0;
        pixeen_status st = f ? embedding_file_vectors(f, cases[i].c, 8, &vec, &count) : PIXEEN_ERROR_INTERNAL;
        bool ok = st == cases[i].want && count == cases[i].count;
        if (ok && vec) ok = vec[0] == (cases[i].rounded ? f32_round_f16(v[0]) : v[0]) && vec[count * 8 - 1] ==
                                       (cases[i].rounded ? f32_round_f16(v[count * 8 - 1]) : v[count * 8 - 1]);
        if (!ok) fprintf(stderr, "case %zu: %s (%s), %lld vectors\n", i, pixeen_status_string(st), error_message(), (long long)count);
        CHECK(ok);
        free(vec);
        safetensors_close(f);
        /* truncations and flips: an error or vectors, never a crash */
        for (size_t cut = 0; cut < size; cut += 13) {
            f = NULL;
            if (safetensors_open_memory(b, cut, "cut", &f) == PIXEEN_OK) {
                if (embedding_file_vectors(f, cases[i].c, 8, &vec, &count) == PIXEEN_OK) free(vec);
                safetensors_close(f);
            }
        }
        for (size_t k = 0; k < 64; k++) {
            uint8_t *copy = malloc(size);
            memcpy(copy, b, size);
            copy[(k * 7919) % size] ^= (uint8_t)(1u << (k % 8));
            f = NULL;
            if (safetensors_open_memory(copy, size, "flip", &f) == PIXEEN_OK) {
                if (embedding_file_vectors(f, cases[i].c, 8, &vec, &count) == PIXEEN_OK) free(vec);
                safetensors_close(f);
            }
            free(copy);
        }
        free(b);
    }
}

static void test_placement(const tokenizer *tok) {
    prompt_embedding_set set = {0};
    CHECK_OK(prompt_embedding_set_add(&set, tok, "horse", 3));
    CHECK_OK(prompt_embedding_set_add(&set, tok, "a horse", 2)); /* longer: wins where both match */
    CHECK_STATUS(prompt_embedding_set_add(&set, tok, "x", 76), PIXEEN_ERROR_INVALID_ARGUMENT);
    prompt_chunks c;
    CHECK_OK(prompt_encode_embeddings(tok, "a horse, (horse:1.5)", 20, &set, &c));
    /* "a horse" -> rows 3,4; "," ; "horse" -> rows 0,1,2 with weight 1.5 */
    CHECK(c.count == 1 && c.side && c.side[0][0] == -1);
    CHECK(c.side && c.side[0][1] == 3 && c.side[0][2] == 4 && c.side[0][3] == -1 && c.side[0][4] == 0 &&
          c.side[0][5] == 1 && c.side[0][6] == 2 && c.side[0][7] == -1);
    CHECK(c.ids[0][1] == 0 && c.weights[0][4] == 1.5f && c.weights[0][6] == 1.5f && c.weights[0][1] == 1.0f);
    CHECK(set.items[0].uses == 1 && set.items[1].uses == 1);
    prompt_chunks_free(&c);
    /* 74 ordinary tokens, then a 3-vector embedding: it starts the next chunk whole */
    char text[1024] = "";
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK_OK(tokenizer_encode(tok, "a", 1, &ids, &n));
    CHECK(n == 1);
    free(ids);
    for (int i = 0; i < 74; i++) strcat(text, "a ");
    strcat(text, "horse");
    prompt_embedding_set one = {0};
    CHECK_OK(prompt_embedding_set_add(&one, tok, "horse", 3));
    CHECK_OK(prompt_encode_embeddings(tok, text, strlen(text), &one, &c));
    CHECK(c.count == 2 && c.side && c.side[0][75] == -1 && c.side[1][1] == 0 && c.side[1][3] == 2 && c.side[1][4] == -1);
    prompt_chunks_free(&c);
    /* without a set: no side table at all */
    CHECK_OK(prompt_encode(tok, "a horse", 7, &c));
    CHECK(c.side == NULL);
    prompt_chunks_free(&c);
    prompt_embedding_set_free(&one);
    prompt_embedding_set_free(&set);
}

static void test_kernel(gpu_context *ctx, tensor_dtype dtype, int64_t B, int64_t T, int64_t S, int64_t D) {
    size_t n = (size_t)(B * T * D);
    float *side = malloc((size_t)(S * D) * 4), *pos = malloc((size_t)(T * D) * 4), *out = malloc(n * 4), *ref = malloc(n * 4);
    int32_t *idx = malloc((size_t)(B * T) * 4);
    test_fill_random(side, (size_t)(S * D), 11, -2, 2);
    test_fill_random(pos, (size_t)(T * D), 12, -1, 1);
    test_fill_random(out, n, 13, -3, 3);
    for (size_t i = 0; i < (size_t)(S * D); i++) side[i] = f32_round_f16(side[i]);
    for (size_t i = 0; i < (size_t)(T * D); i++) pos[i] = f32_round_f16(pos[i]);
    if (dtype == DTYPE_F16)
        for (size_t i = 0; i < n; i++) out[i] = f32_round_f16(out[i]);
    for (int64_t i = 0; i < B * T; i++) idx[i] = i % 3 == 1 ? (int32_t)((i * 7) % S) : -1;
    idx[0] = (int32_t)S; /* out of range: ignored */
    memcpy(ref, out, n * 4);
    ref_embedding_inject(idx, B, T, side, S, D, pos, ref);
    tensor ti = gpu_test_tensor(ctx, DTYPE_F32, NULL, B * T);
    CHECK_OK(gpu_buffer_upload(ctx, ti.buffer, 0, idx, (uint64_t)(B * T) * 4));
    ti.dtype = DTYPE_I32;
    ti.rank = 2;
    ti.shape[0] = B;
    ti.shape[1] = T;
    tensor ts = gpu_test_tensor(ctx, DTYPE_F16, side, S * D), tp = gpu_test_tensor(ctx, DTYPE_F16, pos, T * D);
    ts.rank = tp.rank = 2;
    ts.shape[0] = S, ts.shape[1] = D;
    tp.shape[0] = T, tp.shape[1] = D;
    tensor to = gpu_test_tensor(ctx, dtype, out, (int64_t)n);
    to.rank = 3;
    to.shape[0] = B, to.shape[1] = T, to.shape[2] = D;
    gpu_recorder *rec;
    CHECK_OK(gpu_recorder_create(ctx, &rec));
    gpu_recorder_begin(rec);
    op_embedding_inject_record(rec, &ti, &ts, &tp, &to);
    CHECK_OK(gpu_recorder_end(rec));
    CHECK_OK(gpu_recorder_submit(rec));
    gpu_test_read(ctx, &to, out);
    double max_abs = 0;
    for (size_t i = 0; i < n; i++) {
        double r = dtype == DTYPE_F16 ? f32_round_f16(ref[i]) : ref[i];
        if (fabs(out[i] - r) > max_abs) max_abs = fabs(out[i] - r);
    }
    printf("embedding inject %s [%lld, %lld, %lld] from %lld rows: max |diff| %g (exact expected)\n",
           dtype == DTYPE_F16 ? "f16" : "f32", (long long)B, (long long)T, (long long)D, (long long)S, max_abs);
    CHECK(max_abs == 0);
    gpu_recorder_destroy(rec);
    gpu_buffer_destroy(ti.buffer), gpu_buffer_destroy(ts.buffer), gpu_buffer_destroy(tp.buffer), gpu_buffer_destroy(to.buffer);
    free(side), free(pos), free(out), free(ref), free(idx);
}

typedef struct run_out {
    float *latents;
    uint8_t rgba[16 * 16 * 4];
} run_out;

static void run(sd_model *m, const char *prompt, const char *negative, const char *emb_dir, run_out *o) {
    txt2img_request req = {.prompt = prompt, .negative_prompt = negative, .width = 16, .height = 16, .batch = 1,
                           .clip_skip = 1, .guidance = 7.5f, .seed = 7, .rng = RNG_TORCH_CPU,
                           .sampler = {.kind = SAMPLER_EULER, .steps = 2}, .embedding_dir = emb_dir, .keep_debug = 1};
    txt2img_result res;
    memset(o, 0, sizeof *o);
    CHECK_OK(txt2img_run(m, &req, &res));
    if (!res.rgba) return;
    o->latents = malloc(4 * 8 * 8 * 4);
    memcpy(o->latents, res.debug_latents, 4 * 8 * 8 * 4);
    CHECK_OK(gpu_buffer_download(m->ctx, res.rgba, 0, o->rgba, sizeof o->rgba));
    txt2img_result_free(&res);
}

static bool same(const run_out *a, const run_out *b) {
    return a->latents && b->latents && !memcmp(a->latents, b->latents, 4 * 8 * 8 * 4) && !memcmp(a->rgba, b->rgba, sizeof a->rgba);
}

static void test_pipeline(gpu_context *ctx) {
    sd_model *m = NULL;
    char model_path[4096];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    CHECK_OK(sd_model_load(ctx, model_path, test_data_path("sd15-tiny/model/tokenizer"), DTYPE_F16, &m));
    if (!m) return;
    test_placement(m->tok);
    /* an embedding file holding the token-embedding rows of "astronaut riding" */
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK_OK(tokenizer_encode(m->tok, "astronaut riding", 16, &ids, &n));
    const model_weight *table = model_weight_find(m->files, MODEL_TEXT_ENCODER, "text_model.embeddings.token_embedding.weight");
    CHECK(table && n >= 2);
    int64_t D = table ? table->shape[1] : 0;
    float *rows = malloc((size_t)((int64_t)n * D) * 4);
    for (size_t i = 0; table && i < n; i++) CHECK_OK(model_weight_read_f32(table, (uint64_t)(ids[i] * D), (uint64_t)D, rows + i * (size_t)D));
    char path[256];
    snprintf(path, sizeof path, "%s/zqxjk.safetensors", scratch);
    st_entry e = {"emb_params", "F32", 2, {(int64_t)n, D}, rows};
    CHECK(st_write(path, &e, 1));
    printf("embedding 'zqxjk': %zu vectors of %lld (the rows of \"astronaut riding\")\n", n, (long long)D);

    run_out words, emb, neg_words, neg_emb, plain;
    run(m, "a photograph of an astronaut riding a horse", "blurry", scratch, &words);
    run(m, "a photograph of an zqxjk a horse", "blurry", scratch, &emb);
    CHECK(same(&words, &emb));
    run(m, "a horse", "astronaut riding, blurry", scratch, &neg_words);
    run(m, "a horse", "zqxjk, blurry", scratch, &neg_emb);
    CHECK(same(&neg_words, &neg_emb));
    printf("embedding reproduces the words exactly: prompt %s, negative prompt %s\n", same(&words, &emb) ? "yes" : "NO",
           same(&neg_words, &neg_emb) ? "yes" : "NO");
    /* the same name as a pickle: not loaded (a warning), the word stays text */
    char pt_dir[128], pt[256];
    snprintf(pt_dir, sizeof pt_dir, "%s/pt", scratch);
    CHECK(mkdir(pt_dir, 0700) == 0);
    snprintf(pt, sizeof pt, "%s/zqxjk.pt", pt_dir);
    CHECK(st_write(pt, &e, 1));
    run(m, "a photograph of an zqxjk a horse", "blurry", pt_dir, &plain);
    CHECK(plain.latents && !same(&plain, &emb));
    txt2img_request req = {.prompt = "a", .width = 16, .height = 16, .batch = 1, .clip_skip = 1, .guidance = 1.0f,
                           .sampler = {.kind = SAMPLER_EULER, .steps = 1}, .embedding_dir = "/nonexistent-folder"};
    txt2img_result res;
    CHECK_STATUS(txt2img_run(m, &req, &res), PIXEEN_ERROR_IO);
    free(words.latents), free(emb.latents), free(neg_words.latents), free(neg_emb.latents), free(plain.latents);
    free(rows);
    free(ids);
    sd_model_free(m);
}

/* The token-embedding rows of `text` in text encoder c, tokenized by that encoder's tokenizer. */
static float *token_rows(sd_model *m, int e, model_component c, const char *text, size_t *n, int64_t *D) {
    int32_t *ids = NULL;
    CHECK_OK(tokenizer_encode(m->tokenizers[e], text, strlen(text), &ids, n));
    const model_weight *table = model_weight_find(m->files, c, "text_model.embeddings.token_embedding.weight");
    CHECK(table && *n >= 1);
    *D = table ? table->shape[1] : 0;
    float *rows = malloc((size_t)((int64_t)*n * *D) * 4);
    for (size_t i = 0; table && i < *n; i++)
        CHECK_OK(model_weight_read_f32(table, (uint64_t)(ids[i] * *D), (uint64_t)*D, rows + i * (size_t)*D));
    free(ids);
    return rows;
}

static void test_pipeline_sdxl(gpu_context *ctx) {
    sd_model *m = NULL;
    char model_path[4096], tok1[4096], tok2[4096];
    snprintf(model_path, sizeof model_path, "%s", test_data_path("sdxl-tiny/sdxl-tiny.fp16.safetensors"));
    snprintf(tok1, sizeof tok1, "%s", test_data_path("sdxl-tiny/model/tokenizer"));
    snprintf(tok2, sizeof tok2, "%s", test_data_path("sdxl-tiny/model/tokenizer_2"));
    CHECK_OK(sd_model_load_with(ctx, &(sd_model_options){.path = model_path, .tokenizer_dirs = {tok1, tok2}, .act = DTYPE_F16},
                                &m));
    if (!m) return;
    CHECK(m->family->encoder_count == 2);
    size_t nl = 0, ng = 0;
    int64_t Dl = 0, Dg = 0;
    float *l = token_rows(m, 0, MODEL_TEXT_ENCODER, "astronaut riding", &nl, &Dl);
    float *g = token_rows(m, 1, MODEL_TEXT_ENCODER_2, "astronaut riding", &ng, &Dg);
    CHECK(nl == ng && nl >= 2); /* (the tiny encoders are equally wide, 32; real ones 768 and 1280) */
    float *other = malloc(ng * (size_t)Dg * 4); /* the same rows in reverse order */
    for (size_t i = 0; i < ng; i++) memcpy(other + i * (size_t)Dg, g + (ng - 1 - i) * (size_t)Dg, (size_t)Dg * 4);
    char dir_ok[128], dir_bad[128], path[256];
    snprintf(dir_ok, sizeof dir_ok, "%s/sdxl", scratch);
    snprintf(dir_bad, sizeof dir_bad, "%s/sdxl-other-g", scratch);
    CHECK(mkdir(dir_ok, 0700) == 0 && mkdir(dir_bad, 0700) == 0);
    st_entry e[2] = {{"clip_g", "F32", 2, {(int64_t)ng, Dg}, g}, {"clip_l", "F32", 2, {(int64_t)nl, Dl}, l}};
    snprintf(path, sizeof path, "%s/zqxjk.safetensors", dir_ok);
    CHECK(st_write(path, e, 2));
    e[0].data = other;
    snprintf(path, sizeof path, "%s/zqxjk.safetensors", dir_bad);
    CHECK(st_write(path, e, 2));
    printf("SDXL embedding 'zqxjk': %zu vectors of %lld (clip_l) and %lld (clip_g)\n", nl, (long long)Dl, (long long)Dg);

    run_out words, emb, neg_words, neg_emb, wrong_g;
    run(m, "a photograph of an astronaut riding a horse", "blurry", dir_ok, &words);
    run(m, "a photograph of an zqxjk a horse", "blurry", dir_ok, &emb);
    run(m, "a horse", "astronaut riding, blurry", dir_ok, &neg_words);
    run(m, "a horse", "zqxjk, blurry", dir_ok, &neg_emb);
    run(m, "a photograph of an zqxjk a horse", "blurry", dir_bad, &wrong_g);
    CHECK(same(&words, &emb));
    CHECK(same(&neg_words, &neg_emb));
    CHECK(wrong_g.latents && !same(&words, &wrong_g));
    printf("SDXL embedding reproduces the words exactly: prompt %s, negative prompt %s; other clip_g rows %s\n",
           same(&words, &emb) ? "yes" : "NO", same(&neg_words, &neg_emb) ? "yes" : "NO",
           same(&words, &wrong_g) ? "SAME (clip_g ignored?)" : "differ");
    free(words.latents), free(emb.latents), free(neg_words.latents), free(neg_emb.latents), free(wrong_g.latents);
    free(l), free(g), free(other);
    sd_model_free(m);
}

int main(void) {
    test_files();
    gpu_context *ctx = gpu_test_context();
    snprintf(scratch, sizeof scratch, "/tmp/pixeen-emb-XXXXXX");
    CHECK(mkdtemp(scratch) != NULL);
    test_kernel(ctx, DTYPE_F32, 2, 77, 5, 33);
    test_kernel(ctx, DTYPE_F16, 3, 7, 1, 768);
    test_pipeline(ctx);
    test_pipeline_sdxl(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    CHECK(system(cmd) == 0);
    return gpu_test_finish(ctx);
}
