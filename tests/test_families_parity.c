/* test_families_parity.c — SD 2.x and SDXL against the upstream implementation's outputs on the
 * fixtures' tiny models (tests/data/{sd21,sdxl}-tiny/ref, diffusers 0.25.1 / transformers 4.36 in
 * fp32): tokenizers (OpenCLIP's "!" padding), text encoders (last layer, penultimate with and
 * without the final norm, pooled and projected outputs), single UNet evaluations (SDXL's added
 * text_embeds and time_ids), the VAE decoder and whole pipelines (Euler, Euler a with diffusers'
 * ancestral noise, DPM++ 2M Karras ending at 0), from the single file (tests/data) and, when
 * ../shared/fixtures is present, the diffusers folder; fp32 and the default fp16.
 *
 * Tolerances (the fixtures' README): networks max|gpu - ref| / max|ref| < 1e-3 (fp32), 1e-2 (fp16);
 * pipelines: final latents relative L2 < 1e-3 / 3e-2, image mean |diff| < 1/255 / 4/255. */
#include "parity_test.h"
#include "models/clip.h"
#include "models/unet.h"
#include "models/vae.h"
#include "pipeline/txt2img.h"

#define TOL_F32 1e-3
#define TOL_F16 1e-2
#define T 77

typedef struct fam_env {
    const char *name;  /* "sd21-tiny" */
    bool xl;
    gpu_context *ctx;
    model *m;
    nn_weights w[MODEL_COMPONENT_COUNT];
    char model_path[4096];
    char tokenizers[2][4096];
} fam_env;

static float *read_ref(const fam_env *env, const char *name, size_t count) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/ref", env->name);
    return parity_read_ref(dir, name, count);
}

static void report(const fam_env *env, const char *what, tensor_dtype act, double err) {
    double tol = act == DTYPE_F16 ? TOL_F16 : TOL_F32;
    printf("%s %s %-34s %s: max rel %.3g (tol %.0e)\n", env->name,
           model_get_layout(env->m) == MODEL_LAYOUT_SINGLE_FILE ? "single " : "folder ", what, parity_act_name(act), err, tol);
    CHECK(err < tol);
}

static void run_graph(fam_env *env, model_component comp, tensor_dtype act, nn_build_fn build, void *user, float *out,
                      size_t out_count) {
    parity_run_graph(env->ctx, &env->w[comp], act, build, user, out, out_count);
}

static tensor input_tensor(fam_env *env, tensor_dtype dtype, const float *data, uint32_t rank, const int64_t *shape) {
    return parity_input_tensor(env->ctx, dtype, data, rank, shape);
}

static tensor int_tensor(fam_env *env, const int32_t *data, uint32_t rank, const int64_t *shape) {
    tensor t = {.dtype = DTYPE_I32, .rank = rank};
    for (uint32_t i = 0; i < rank; i++) t.shape[i] = shape[i];
    CHECK_OK(gpu_buffer_create(env->ctx, GPU_MEMORY_DEVICE, tensor_bytes(&t), "ints", &t.buffer));
    CHECK_OK(gpu_buffer_upload(env->ctx, t.buffer, 0, data, tensor_bytes(&t)));
    return t;
}

/* ---- tokenizers: the three prompts of the text encoder cases, padded as each encoder's tokenizer pads ---- */
static const char *const prompts[3] = {"a photograph of an astronaut riding a horse", "",
                                       "(masterpiece:1.2), best quality, ((ultra detailed))"};

static void test_tokenizers(fam_env *env) {
    for (int e = 0; e < (env->xl ? 2 : 1); e++) {
        char name[64];
        snprintf(name, sizeof name, "text_encoder%s_input_ids", e ? "_2" : "");
        float *raw = read_ref(env, name, 3 * T); /* int32 data read as 4-byte words */
        int32_t ref[3 * T];
        memcpy(ref, raw, sizeof ref);
        free(raw);
        tokenizer *tok = NULL;
        CHECK_OK(tokenizer_load(env->tokenizers[e], &tok));
        if (!tok) continue;
        int same = 1;
        for (int p = 0; p < 3; p++) {
            int32_t ids[T];
            CHECK_OK(tokenizer_encode_padded(tok, prompts[p], strlen(prompts[p]), ids, NULL));
            same &= memcmp(ids, ref + p * T, sizeof ids) == 0;
        }
        printf("%s tokenizer%s: ids %s\n", env->name, e ? "_2" : "", same ? "exact" : "DIFFER");
        CHECK(same);
        tokenizer_free(tok);
    }
}

/* ---- text encoders ---- */
typedef struct clip_case {
    const clip_config *cfg;
    tensor ids, eos;
    int skip;
    bool final_norm, pooled;
} clip_case;

static tensor build_clip(nn_graph *g, void *user) {
    clip_case *c = user;
    if (!c->pooled) return clip_text_forward(g, c->cfg, &c->ids, c->skip, c->final_norm);
    tensor pooled = {0};
    tensor hidden = clip_text_forward_pooled(g, c->cfg, &c->ids, c->skip, c->final_norm, &c->eos, &pooled);
    nn_release(g, &hidden);
    return pooled;
}

static void test_text_encoder(fam_env *env, tensor_dtype act, int e) {
    model_component comp = e ? MODEL_TEXT_ENCODER_2 : MODEL_TEXT_ENCODER;
    const clip_config *cfg = model_clip_config(env->m, comp);
    const char *pre = e ? "text_encoder_2" : "text_encoder";
    char name[96];
    snprintf(name, sizeof name, "%s_input_ids", pre);
    float *raw = read_ref(env, name, 3 * T);
    int32_t ids[3 * T], eos[3];
    memcpy(ids, raw, sizeof ids);
    free(raw);
    for (int p = 0; p < 3; p++) { /* transformers' legacy rule: argmax of the ids */
        int best = 0;
        for (int i = 0; i < T; i++)
            if (ids[p * T + i] > ids[p * T + best]) best = i;
        eos[p] = p * T + best;
    }
    clip_case c = {.cfg = cfg};
    c.ids = int_tensor(env, ids, 2, (const int64_t[]){3, T});
    c.eos = int_tensor(env, eos, 1, (const int64_t[]){3});
    size_t n = (size_t)3 * T * cfg->hidden_size;
    static const struct {
        const char *ref;
        int skip;
        bool final_norm;
    } cases[] = {{"last_hidden_state", 1, true}, {"penultimate_ln", 2, true}, {"penultimate", 2, false}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(name, sizeof name, "%s_%s", pre, cases[k].ref);
        float *ref = read_ref(env, name, n), *got = calloc(n, 4);
        c.skip = cases[k].skip;
        c.final_norm = cases[k].final_norm;
        c.pooled = false;
        run_graph(env, comp, act, build_clip, &c, got, n);
        report(env, name, act, parity_max_rel(got, ref, n));
        free(ref);
        free(got);
    }
    /* pooled: CLIPTextModel's pooler_output, or CLIPTextModelWithProjection's text_embeds */
    size_t np = (size_t)3 * (cfg->has_projection ? cfg->projection_dim : cfg->hidden_size);
    snprintf(name, sizeof name, "%s_%s", pre, cfg->has_projection ? "text_embeds" : "pooled");
    float *ref = read_ref(env, name, np), *got = calloc(np, 4);
    c.skip = 1;
    c.final_norm = true;
    c.pooled = true;
    run_graph(env, comp, act, build_clip, &c, got, np);
    report(env, name, act, parity_max_rel(got, ref, np));
    free(ref);
    free(got);
    gpu_buffer_destroy(c.ids.buffer);
    gpu_buffer_destroy(c.eos.buffer);
}

/* ---- UNet ---- */
typedef struct unet_case {
    const unet_config *cfg;
    tensor x, t, ctx, text, time;
} unet_case;

static tensor build_unet(nn_graph *g, void *user) {
    unet_case *c = user;
    unet_added_inputs added = {c->text.rank ? &c->text : NULL, c->time.rank ? &c->time : NULL};
    return unet_forward_added(g, c->cfg, &c->x, &c->t, &c->ctx, &added);
}

static void test_unet(fam_env *env, tensor_dtype act, int batch, int timestep) {
    const unet_config *cfg = model_unet_config(env->m);
    char name[64];
    const int64_t C = 4, H = 32, W = 32, D = cfg->cross_attention_dim;
    size_t n = (size_t)(batch * C * H * W);
    snprintf(name, sizeof name, "unet_32_b%d_t%d_x", batch, timestep);
    float *x = read_ref(env, name, n), *xh = malloc(n * 4);
    snprintf(name, sizeof name, "unet_32_b%d_t%d_ctx", batch, timestep);
    float *ctx = read_ref(env, name, (size_t)(batch * T * D));
    snprintf(name, sizeof name, "unet_32_b%d_t%d_out", batch, timestep);
    float *ref = read_ref(env, name, n), *refh = malloc(n * 4), *got = calloc(n, 4);
    parity_nchw_to_nhwc(x, xh, batch, C, H, W);
    parity_nchw_to_nhwc(ref, refh, batch, C, H, W);
    float t[2] = {(float)timestep, (float)timestep};
    unet_case c = {.cfg = cfg};
    c.x = input_tensor(env, act, xh, 4, (const int64_t[]){batch, H, W, C});
    c.ctx = input_tensor(env, act, ctx, 3, (const int64_t[]){batch, T, D});
    c.t = input_tensor(env, DTYPE_F32, t, 1, (const int64_t[]){batch});
    float *text = NULL, *time = NULL;
    if (env->xl) {
        int64_t P = cfg->projection_class_embeddings_input_dim - 6 * cfg->addition_time_embed_dim;
        snprintf(name, sizeof name, "unet_32_b%d_t%d_text_embeds", batch, timestep);
        text = read_ref(env, name, (size_t)(batch * P));
        snprintf(name, sizeof name, "unet_32_b%d_t%d_time_ids", batch, timestep);
        time = read_ref(env, name, (size_t)batch * 6);
        c.text = input_tensor(env, act, text, 2, (const int64_t[]){batch, P});
        c.time = input_tensor(env, DTYPE_F32, time, 1, (const int64_t[]){batch * 6});
    }
    run_graph(env, MODEL_UNET, act, build_unet, &c, got, n);
    snprintf(name, sizeof name, "unet batch %d t %d", batch, timestep);
    report(env, name, act, parity_max_rel(got, refh, n));
    gpu_buffer_destroy(c.x.buffer);
    gpu_buffer_destroy(c.ctx.buffer);
    gpu_buffer_destroy(c.t.buffer);
    gpu_buffer_destroy(c.text.buffer);
    gpu_buffer_destroy(c.time.buffer);
    free(x);
    free(xh);
    free(ctx);
    free(ref);
    free(refh);
    free(got);
    free(text);
    free(time);
}

/* ---- VAE ---- */
typedef struct vae_case {
    const vae_config *cfg;
    tensor z;
} vae_case;

static tensor build_vae(nn_graph *g, void *user) {
    vae_case *c = user;
    return vae_decode_forward(g, c->cfg, &c->z);
}

static void test_vae(fam_env *env, tensor_dtype act) {
    size_t nz = 4 * 32 * 32, n = 3 * 64 * 64;
    float *z = read_ref(env, "vae_decode_32_z", nz), *zh = malloc(nz * 4);
    float *ref = read_ref(env, "vae_decode_32_out", n), *refh = malloc(n * 4), *got = calloc(n, 4);
    parity_nchw_to_nhwc(z, zh, 1, 4, 32, 32);
    parity_nchw_to_nhwc(ref, refh, 1, 3, 64, 64);
    vae_case c = {.cfg = model_vae_config(env->m)};
    c.z = input_tensor(env, act, zh, 4, (const int64_t[]){1, 32, 32, 4});
    run_graph(env, MODEL_VAE, act, build_vae, &c, got, n);
    report(env, "vae decode", act, parity_max_rel(got, refh, n));
    gpu_buffer_destroy(c.z.buffer);
    free(z);
    free(zh);
    free(ref);
    free(refh);
    free(got);
}

/* ---- pipelines ---- */
static void test_pipeline(fam_env *env, tensor_dtype act, const char *name, sampler_kind kind, sampler_karras karras) {
    sd_model *m = NULL;
    CHECK_OK(sd_model_load_with(env->ctx,
                                &(sd_model_options){.path = env->model_path,
                                                    .tokenizer_dirs = {env->tokenizers[0], env->tokenizers[1]},
                                                    .act = act},
                                &m));
    if (!m) return;
    schedule_config_clear(&m->schedule);
    char path[256], label[128];
    snprintf(path, sizeof path, "%s/ref/pipe_%s_32_scheduler_config.json", env->name, name);
    parity_load_schedule(path, &m->schedule);
    snprintf(path, sizeof path, "%s/ref", env->name);
    snprintf(label, sizeof label, "%s %s pipeline %-20s", env->name,
             model_get_layout(env->m) == MODEL_LAYOUT_SINGLE_FILE ? "single" : "folder", name);
    parity_pipeline_case(m, path, name, kind, karras, label);
    sd_model_free(m);
}

static void run_family(gpu_context *ctx, const char *name, bool xl, const char *model_path) {
    fam_env env = {.name = name, .xl = xl, .ctx = ctx};
    snprintf(env.model_path, sizeof env.model_path, "%s", model_path);
    for (int e = 0; e < 2; e++) {
        char rel[256];
        snprintf(rel, sizeof rel, "%s/model/tokenizer%s", name, e ? "_2" : "");
        snprintf(env.tokenizers[e], sizeof env.tokenizers[e], "%s", test_data_path(rel));
    }
    CHECK_OK(model_open(model_path, &env.m));
    if (!env.m) return;
    CHECK(model_get_family(env.m) == (xl ? MODEL_FAMILY_SDXL : MODEL_FAMILY_SD2));
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++)
        if (model_has(env.m, (model_component)c)) CHECK_OK(nn_weights_upload(ctx, env.m, (model_component)c, &env.w[c]));
    bool single = model_get_layout(env.m) == MODEL_LAYOUT_SINGLE_FILE;
    if (single) test_tokenizers(&env);
    /* Every network from the single file in both precisions and from the folder in fp16
     * (PIXEEN_TEST_QUICK, the sanitizer pass: fp16 only). The layouts hold the same values, so the
     * pipelines (the expensive part) run in full on the single file, and once on the folder. */
    for (int a = test_quick() || !single ? 1 : 0; a < 2; a++) {
        tensor_dtype act = a ? DTYPE_F16 : DTYPE_F32;
        for (int e = 0; e < (xl ? 2 : 1); e++) test_text_encoder(&env, act, e);
        test_unet(&env, act, 1, 500);
        test_unet(&env, act, 2, 250);
        test_vae(&env, act);
        if (single || act == DTYPE_F16) test_pipeline(&env, act, "euler_a", SAMPLER_EULER_A, SAMPLER_KARRAS_DEFAULT);
        if (single && act == DTYPE_F16) {
            test_pipeline(&env, act, "euler", SAMPLER_EULER, SAMPLER_KARRAS_DEFAULT);
            test_pipeline(&env, act, "dpmpp2m_karras_zero", SAMPLER_DPMPP_2M, SAMPLER_KARRAS_ON);
        }
    }
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) nn_weights_free(&env.w[c]);
    model_close(env.m);
}

/* argv[1]: "sd21-tiny" (the default) or "sdxl-tiny" (ctest runs both, in parallel). */
int main(int argc, char **argv) {
    gpu_context *ctx = gpu_test_context();
    static const struct {
        const char *name;
        bool xl;
    } families[] = {{"sd21-tiny", false}, {"sdxl-tiny", true}};
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        if (strcmp(families[f].name, argc > 1 ? argv[1] : "sd21-tiny")) continue;
        char rel[256], path[4096];
        snprintf(rel, sizeof rel, "%s/%s.fp16.safetensors", families[f].name, families[f].name);
        snprintf(path, sizeof path, "%s", test_data_path(rel));
        run_family(ctx, families[f].name, families[f].xl, path);
        /* the diffusers folder (fp16 weights) from the shared fixtures, when present */
        snprintf(rel, sizeof rel, "fixtures/%s/model", families[f].name);
        const char *folder = test_shared_path(rel);
        if (folder) {
            snprintf(path, sizeof path, "%s", folder);
            run_family(ctx, families[f].name, families[f].xl, path);
        } else {
            printf("%s: ../shared/fixtures absent: the diffusers folder is not checked\n", families[f].name);
        }
    }
    return gpu_test_finish(ctx);
}
