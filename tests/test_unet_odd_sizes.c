/* test_unet_odd_sizes.c — the UNet at latent sizes that are not multiples of 2^(levels-1) (images
 * that are multiples of 8 but not of 64 on SD 1.5), against a plain-C UNet written from diffusers'
 * UNet2DConditionModel (v0.25.1): stride-2 downsampling convolutions with padding 1 round odd sizes
 * up, and when a latent dimension is not a multiple of 2^(number of upsamplers) diffusers passes
 * `upsample_size` — the next skip connection's size — to every upsampler, whose nearest
 * interpolation is torch's F.interpolate(size=...) index rule (reference_layout.c).
 * The model is the test-model maker's sd15-tiny-deep (SD 1.5's four levels and three downsamplers
 * at 32 channels), run through pixeen_probe in fp32 activations (fp16 weights: the reference uses
 * the same fp16 values). To show the comparison can fail, the reference is also run with the up
 * path's interpolation aligned the other way (nearest from the end); the GPU must be far from that.
 * By hand: PIXEEN_TEST_UNET_CONFIG=sd15 runs the full-size SD 1.5 UNet (random weights, a 2 GB
 * file in /tmp; about a minute of CPU per size for the reference) at the three odd sizes. */
#include <math.h>

#include "api_test.h"
#include "core/npy.h"
#include "models/model.h"
#include "testmodel.h"
#include "ops/reference_elementwise.h"
#include "ops/reference_activation.h"
#include "ops/reference_attention.h"
#include "ops/reference_timestep_embedding.h"
#include "ops/reference_gemm.h"
#include "ops/reference_layout.h"
#include "ops/reference_norm.h"

/* An NHWC activation of the reference. */
typedef struct act {
    size_t h, w, c;
    float *v; /* [h, w, c], batch 1 */
} act;

static const model *M;
static bool wrong_interpolation; /* the deliberately wrong variant */

static act act_new(size_t h, size_t w, size_t c) { return (act){h, w, c, calloc(h * w * c, sizeof(float))}; }

/* A weight in its diffusers shape, as fp32. */
static float *weight(const char *prefix, const char *suffix, uint64_t *n) {
    char name[256];
    snprintf(name, sizeof name, "%s.%s", prefix, suffix);
    const model_weight *w = model_weight_find(M, MODEL_UNET, name);
    if (!w) {
        fprintf(stderr, "reference: no weight %s\n", name);
        exit(1);
    }
    float *v = malloc(w->n_elements * sizeof(float));
    if (model_weight_read_f32(w, 0, w->n_elements, v) != PIXEEN_OK) exit(1);
    if (n) *n = w->n_elements;
    return v;
}

static bool has_weight(const char *prefix) {
    char name[256];
    snprintf(name, sizeof name, "%s.weight", prefix);
    return model_weight_find(M, MODEL_UNET, name) != NULL;
}

/* Conv2d with padding (k-1)/2, torch's output size; weight [Cout, Cin, kh, kw] reordered for the reference. */
static act conv(const act *x, const char *prefix, size_t stride, const act *residual) {
    const model_weight *mw = NULL;
    char name[256];
    snprintf(name, sizeof name, "%s.weight", prefix);
    mw = model_weight_find(M, MODEL_UNET, name);
    size_t cout = (size_t)mw->shape[0], cin = (size_t)mw->shape[1], k = mw->ndim == 4 ? (size_t)mw->shape[2] : 1;
    float *w = weight(prefix, "weight", NULL), *b = weight(prefix, "bias", NULL);
    float *wr = malloc(cout * cin * k * k * sizeof(float));
    for (size_t o = 0; o < cout; o++)
        for (size_t i = 0; i < cin; i++)
            for (size_t t = 0; t < k * k; t++) wr[(o * k * k + t) * cin + i] = w[(o * cin + i) * k * k + t];
    size_t pad = (k - 1) / 2, ho = (x->h + 2 * pad - k) / stride + 1, wo = (x->w + 2 * pad - k) / stride + 1;
    act out = act_new(ho, wo, cout);
    ref_conv2d_rows(x->v, wr, b, residual ? residual->v : NULL, 1, x->h, x->w, cin, cout, k, k, stride, pad, NULL, 0,
                    out.v);
    free(w);
    free(b);
    free(wr);
    return out;
}

/* Linear on rows: x [rows, K] -> [rows, N]; bias when the weight has one. */
static float *linear(const float *x, size_t rows, const char *prefix, bool bias, const float *residual, size_t *n_out) {
    const model_weight *mw;
    char name[256];
    snprintf(name, sizeof name, "%s.weight", prefix);
    mw = model_weight_find(M, MODEL_UNET, name);
    size_t n = (size_t)mw->shape[0], k = (size_t)mw->shape[1];
    float *w = weight(prefix, "weight", NULL), *b = bias ? weight(prefix, "bias", NULL) : NULL;
    float *out = malloc(rows * n * sizeof(float));
    ref_matmul_rows(x, w, b, residual, 1, rows, k, n, 0, NULL, rows, out);
    free(w);
    free(b);
    if (n_out) *n_out = n;
    return out;
}

static act group_norm(const act *x, const char *prefix, size_t groups, float eps, bool silu) {
    float *g = weight(prefix, "weight", NULL), *b = weight(prefix, "bias", NULL);
    act out = act_new(x->h, x->w, x->c);
    ref_group_norm(x->v, 1, x->h * x->w, x->c, groups, g, b, eps, silu, out.v);
    free(g);
    free(b);
    return out;
}

static void act_free(act *a) {
    free(a->v);
    a->v = NULL;
}

/* ResnetBlock2D: conv2(silu(gn2(conv1(silu(gn1(x))) + time_emb_proj(silu(emb))))) + shortcut(x). */
static act resnet(const unet_config *c, const char *p, act *x, const float *emb_silu, size_t emb_dim) {
    char q[200];
    snprintf(q, sizeof q, "%s.norm1", p);
    act h = group_norm(x, q, (size_t)c->norm_num_groups, c->norm_eps, true);
    snprintf(q, sizeof q, "%s.conv1", p);
    act h1 = conv(&h, q, 1, NULL);
    act_free(&h);
    snprintf(q, sizeof q, "%s.time_emb_proj", p);
    float *e = linear(emb_silu, 1, q, true, NULL, NULL);
    (void)emb_dim;
    for (size_t i = 0; i < h1.h * h1.w; i++)
        for (size_t ch = 0; ch < h1.c; ch++) h1.v[i * h1.c + ch] += e[ch];
    free(e);
    snprintf(q, sizeof q, "%s.norm2", p);
    h = group_norm(&h1, q, (size_t)c->norm_num_groups, c->norm_eps, true);
    act_free(&h1);
    snprintf(q, sizeof q, "%s.conv_shortcut", p);
    act sc = *x;
    bool own = has_weight(q);
    if (own) sc = conv(x, q, 1, NULL);
    snprintf(q, sizeof q, "%s.conv2", p);
    act out = conv(&h, q, 1, &sc);
    act_free(&h);
    if (own) act_free(&sc);
    return out;
}

/* Attention (to_q from x, to_k/to_v from ctx, no biases; to_out.0 with bias) plus the residual. */
static float *attention(const char *p, const float *x, size_t t, const float *ctx, size_t tk, int heads,
                        const float *residual) {
    char q[220];
    size_t d;
    snprintf(q, sizeof q, "%s.to_q", p);
    float *qv = linear(x, t, q, false, NULL, &d);
    snprintf(q, sizeof q, "%s.to_k", p);
    float *kv = linear(ctx, tk, q, false, NULL, NULL);
    snprintf(q, sizeof q, "%s.to_v", p);
    float *vv = linear(ctx, tk, q, false, NULL, NULL);
    float *a = malloc(t * d * sizeof(float));
    ref_attention_shape s = {.batch = 1, .tq = t, .tk = tk, .heads = (size_t)heads, .head_dim = d / (size_t)heads};
    ref_attention(&s, qv, kv, vv, a);
    snprintf(q, sizeof q, "%s.to_out.0", p);
    float *out = linear(a, t, q, true, residual, NULL);
    free(qv);
    free(kv);
    free(vv);
    free(a);
    return out;
}

static float *layer_norm(const float *x, size_t rows, size_t c, const char *prefix) {
    float *g = weight(prefix, "weight", NULL), *b = weight(prefix, "bias", NULL);
    float *out = malloc(rows * c * sizeof(float));
    ref_layer_norm(x, rows, c, g, b, 1e-5f, out);
    free(g);
    free(b);
    return out;
}

/* Transformer2DModel: GroupNorm (eps 1e-6), proj_in, BasicTransformerBlocks, proj_out + input. */
static act transformer(const unet_config *c, const char *p, act *x, const float *ctx, size_t tk, int heads, int depth) {
    char q[200], r[240];
    size_t t = x->h * x->w, C = x->c, n;
    snprintf(q, sizeof q, "%s.norm", p);
    act nrm = group_norm(x, q, (size_t)c->norm_num_groups, 1e-6f, false);
    snprintf(q, sizeof q, "%s.proj_in", p);
    float *h = linear(nrm.v, t, q, true, NULL, NULL);
    act_free(&nrm);
    for (int d = 0; d < depth; d++) {
        snprintf(q, sizeof q, "%s.transformer_blocks.%d", p, d);
        snprintf(r, sizeof r, "%s.norm1", q);
        float *l = layer_norm(h, t, C, r);
        snprintf(r, sizeof r, "%s.attn1", q);
        float *h1 = attention(r, l, t, l, t, heads, h);
        free(l);
        free(h);
        snprintf(r, sizeof r, "%s.norm2", q);
        l = layer_norm(h1, t, C, r);
        snprintf(r, sizeof r, "%s.attn2", q);
        float *h2 = attention(r, l, t, ctx, tk, heads, h1);
        free(l);
        free(h1);
        snprintf(r, sizeof r, "%s.norm3", q);
        l = layer_norm(h2, t, C, r);
        snprintf(r, sizeof r, "%s.ff.net.0.proj", q);
        float *f = linear(l, t, r, true, NULL, &n);
        free(l);
        float *g = malloc(t * n / 2 * sizeof(float));
        ref_geglu(OP_ACT_GELU_ERF, f, t, n / 2, g);
        free(f);
        snprintf(r, sizeof r, "%s.ff.net.2", q);
        h = linear(g, t, r, true, h2, NULL);
        free(g);
        free(h2);
    }
    snprintf(q, sizeof q, "%s.proj_out", p);
    act out = act_new(x->h, x->w, C);
    float *o = linear(h, t, q, true, x->v, NULL);
    memcpy(out.v, o, t * C * sizeof(float));
    free(o);
    free(h);
    return out;
}

/* F.interpolate(x, size=(ho, wo), mode="nearest"); the wrong variant aligns to the end instead. */
static act upsample(const act *x, size_t ho, size_t wo) {
    act out = act_new(ho, wo, x->c);
    if (!wrong_interpolation) {
        ref_upsample_nearest(x->v, 1, x->h, x->w, x->c, ho, wo, out.v);
        return out;
    }
    for (size_t y = 0; y < ho; y++)
        for (size_t xx = 0; xx < wo; xx++) {
            size_t sy = (y + 2 * x->h - ho) / 2, sx = (xx + 2 * x->w - wo) / 2;
            memcpy(out.v + (y * wo + xx) * x->c, x->v + (sy * x->w + sx) * x->c, x->c * sizeof(float));
        }
    return out;
}

/* UNet2DConditionModel.forward for one sample: x [h, w, 4] NHWC, context [tk, D] -> [h, w, 4]. */
static act unet_reference(const unet_config *c, const act *sample, float timestep, const float *ctx, size_t tk) {
    const int n = c->n_levels, L = c->layers_per_block;
    char p[128];
    size_t c0 = (size_t)c->block_out_channels[0];
    float *temb = malloc(c0 * sizeof(float));
    ref_timestep_embedding(&timestep, 1, c0, c->flip_sin_to_cos, (float)c->freq_shift, 1.0f, 10000.0f, temb);
    size_t e1;
    float *t1 = linear(temb, 1, "time_embedding.linear_1", true, NULL, &e1);
    ref_activation(OP_ACT_SILU, t1, e1, t1);
    float *emb = linear(t1, 1, "time_embedding.linear_2", true, NULL, &e1);
    ref_activation(OP_ACT_SILU, emb, e1, emb); /* every resnet uses silu(emb) */
    free(temb);
    free(t1);
    act skips[64];
    int ns = 0;
    act x = conv(sample, "conv_in", 1, NULL);
    skips[ns++] = x;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < L; j++) {
            snprintf(p, sizeof p, "down_blocks.%d.resnets.%d", i, j);
            act y = resnet(c, p, &x, emb, e1);
            if (c->down_cross_attn[i]) {
                snprintf(p, sizeof p, "down_blocks.%d.attentions.%d", i, j);
                act z = transformer(c, p, &y, ctx, tk, c->attention_heads[i], c->transformer_depth[i]);
                act_free(&y);
                y = z;
            }
            x = y;
            skips[ns++] = x;
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "down_blocks.%d.downsamplers.0.conv", i);
            x = conv(&x, p, 2, NULL); /* padding 1: ceil(h / 2) */
            skips[ns++] = x;
        }
    }
    act m = resnet(c, "mid_block.resnets.0", &x, emb, e1);
    act z = transformer(c, "mid_block.attentions.0", &m, ctx, tk, c->attention_heads[n - 1], c->mid_transformer_depth);
    act_free(&m);
    x = resnet(c, "mid_block.resnets.1", &z, emb, e1);
    act_free(&z);
    /* default_overall_up_factor = 2 ** num_upsamplers */
    size_t factor = (size_t)1 << (n - 1);
    bool forward_upsample_size = sample->h % factor || sample->w % factor;
    for (int i = 0; i < n; i++) {
        int level = n - 1 - i;
        for (int j = 0; j < L + 1; j++) {
            act s = skips[--ns];
            act cat = act_new(x.h, x.w, x.c + s.c);
            for (size_t k = 0; k < x.h * x.w; k++) {
                memcpy(cat.v + k * cat.c, x.v + k * x.c, x.c * sizeof(float));
                memcpy(cat.v + k * cat.c + x.c, s.v + k * s.c, s.c * sizeof(float));
            }
            act_free(&x);
            act_free(&s);
            snprintf(p, sizeof p, "up_blocks.%d.resnets.%d", i, j);
            x = resnet(c, p, &cat, emb, e1);
            act_free(&cat);
            if (c->up_cross_attn[i]) {
                snprintf(p, sizeof p, "up_blocks.%d.attentions.%d", i, j);
                act t = transformer(c, p, &x, ctx, tk, c->attention_heads[level], c->transformer_depth[level]);
                act_free(&x);
                x = t;
            }
        }
        if (i < n - 1) {
            size_t ho = forward_upsample_size ? skips[ns - 1].h : 2 * x.h;
            size_t wo = forward_upsample_size ? skips[ns - 1].w : 2 * x.w;
            act u = upsample(&x, ho, wo);
            act_free(&x);
            snprintf(p, sizeof p, "up_blocks.%d.upsamplers.0.conv", i);
            x = conv(&u, p, 1, NULL);
            act_free(&u);
        }
    }
    free(emb);
    act h = group_norm(&x, "conv_norm_out", (size_t)c->norm_num_groups, c->norm_eps, true);
    act_free(&x);
    act out = conv(&h, "conv_out", 1, NULL);
    act_free(&h);
    return out;
}

static double rel_max(const float *a, const float *b, size_t n) {
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return d / m;
}

int main(void) {
    pixeen_context *ctx = api_test_context();
    char root[] = "/tmp/pixeen-test-unet-odd-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char path[128], in_x[160], in_t[160], in_c[160], out[160], tok[160];
    snprintf(path, sizeof path, "%s/deep.safetensors", root);
    const char *config = getenv("PIXEEN_TEST_UNET_CONFIG");
    bool full = config && !strcmp(config, "sd15");
    CHECK_OK(testmodel_write(&(testmodel_options){.config = full ? "sd15" : "sd15-tiny-deep", .out = path,
                                                  .single_file = true, .fp16 = true, .seed = 11}));
    model *files = NULL;
    CHECK_OK(model_open(path, &files));
    M = files;
    const unet_config *c = model_unet_config(files);
    CHECK(c->n_levels == 4); /* three downsamplers, as SD 1.5 */
    snprintf(tok, sizeof tok, "%s/tokenizer", root);
    pixeen_model *pm = NULL;
    pixeen_model_desc md = {.path = path, .tokenizer_dir = tok, .precision = PIXEEN_PRECISION_FP32};
    CHECK_OK(pixeen_model_load(ctx, &md, &pm));
    snprintf(in_x, sizeof in_x, "%s/x.npy", root);
    snprintf(in_t, sizeof in_t, "%s/t.npy", root);
    snprintf(in_c, sizeof in_c, "%s/c.npy", root);
    snprintf(out, sizeof out, "%s/out.npy", root);
    const size_t tk = 77, D = (size_t)c->cross_attention_dim;
    float *context = malloc(tk * D * sizeof(float));
    test_fill_random(context, tk * D, 5, -1, 1);
    float timestep = 421.0f;
    CHECK_OK(npy_write(in_c, NPY_DTYPE_F32, 3, (const uint64_t[]){1, tk, D}, context));
    CHECK_OK(npy_write(in_t, NPY_DTYPE_F32, 1, (const uint64_t[]){1}, &timestep));
    /* latents of 96x64, 72x72 and 64x104 images (12x8, 9x9, 13x8 latents); 4x4 (32x32) also takes
     * the upsample_size path (4 is not a multiple of 8) but its odd sizes are 1x1, where both
     * alignments agree */
    static const size_t sizes[][2] = {{8, 12}, {9, 9}, {13, 8}, {4, 4}};
    for (size_t s = 0; s < (full ? 3 : sizeof sizes / sizeof sizes[0]); s++) {
        size_t h = sizes[s][0], w = sizes[s][1], n = h * w * 4;
        float *nchw = malloc(n * sizeof(float)), *got = NULL;
        test_fill_random(nchw, n, (unsigned)(7 + s), -2, 2);
        act sample = act_new(h, w, 4);
        for (size_t ch = 0; ch < 4; ch++)
            for (size_t i = 0; i < h * w; i++) sample.v[i * 4 + ch] = nchw[ch * h * w + i];
        CHECK_OK(npy_write(in_x, NPY_DTYPE_F32, 4, (const uint64_t[]){1, 4, h, w}, nchw));
        pixeen_probe_desc pd = {.component = PIXEEN_COMPONENT_UNET, .inputs = {in_x, in_t, in_c}, .output = out};
        pixeen_status st = pixeen_probe(pm, &pd);
        if (st) printf("probe %zux%zu: %s\n", h, w, pixeen_context_last_error(ctx));
        CHECK_OK(st);
        npy_header hdr;
        CHECK_OK(npy_read(out, &hdr, (void **)&got));
        CHECK(got && hdr.count == n);
        wrong_interpolation = false;
        act ref = unet_reference(c, &sample, timestep, context, tk);
        wrong_interpolation = true;
        act wrong = full ? ref : unet_reference(c, &sample, timestep, context, tk);
        float *ref_nchw = malloc(n * sizeof(float)), *wrong_nchw = malloc(n * sizeof(float));
        for (size_t ch = 0; ch < 4; ch++)
            for (size_t i = 0; i < h * w; i++) {
                ref_nchw[ch * h * w + i] = ref.v[i * 4 + ch];
                wrong_nchw[ch * h * w + i] = wrong.v[i * 4 + ch];
            }
        double err = got ? rel_max(got, ref_nchw, n) : 1.0, wrong_err = rel_max(wrong_nchw, ref_nchw, n);
        bool odd = s < 3;
        printf("unet %zux%zu latent: max|gpu - ref| / max|ref| = %.2e (tol 1e-3)", h, w, err);
        if (!full) printf("; the wrongly aligned interpolation differs by %.2e", wrong_err);
        printf("\n");
        CHECK(err < 1e-3);
        if (odd && !full) CHECK(wrong_err > 1e-2); /* the check would see a wrong interpolation */
        act_free(&ref);
        if (!full) act_free(&wrong);
        act_free(&sample);
        free(ref_nchw);
        free(wrong_nchw);
        free(nchw);
        free(got);
    }
    free(context);
    pixeen_model_destroy(pm);
    model_close(files);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    pixeen_context_destroy(ctx);
    return test_finish();
}
