/* clip.c — see clip.h. */
#include <math.h>
#include <stdio.h>

#include "models/clip.h"

/* One pre-norm transformer layer on x [B, T, D]; x is released unless `keep` (a later reader). */
static tensor clip_layer(nn_graph *g, const clip_config *c, tensor x, int layer, bool keep) {
    char p[128], q[160];
    snprintf(p, sizeof p, "text_model.encoder.layers.%d", layer);

    snprintf(q, sizeof q, "%s.layer_norm1", p);
    tensor h = nn_layer_norm(g, &x, q, c->layer_norm_eps);
    snprintf(q, sizeof q, "%s.self_attn.q_proj", p);
    tensor qt = nn_linear(g, &h, q, NULL);
    snprintf(q, sizeof q, "%s.self_attn.k_proj", p);
    tensor kt = nn_linear(g, &h, q, NULL);
    snprintf(q, sizeof q, "%s.self_attn.v_proj", p);
    tensor vt = nn_linear(g, &h, q, NULL);
    nn_release(g, &h);
    tensor a = nn_attention(g, &qt, &kt, &vt, c->num_heads, true);
    nn_release(g, &qt);
    nn_release(g, &kt);
    nn_release(g, &vt);
    snprintf(q, sizeof q, "%s.self_attn.out_proj", p);
    tensor x1 = nn_linear(g, &a, q, &x); /* x1 = x + out_proj(a) */
    nn_release(g, &a);
    if (!keep) nn_release(g, &x);

    snprintf(q, sizeof q, "%s.layer_norm2", p);
    h = nn_layer_norm(g, &x1, q, c->layer_norm_eps);
    snprintf(q, sizeof q, "%s.mlp.fc1", p);
    tensor f = nn_linear(g, &h, q, NULL);
    nn_release(g, &h);
    tensor act = c->hidden_act == MODEL_ACT_QUICK_GELU ? nn_quick_gelu(g, &f) : nn_gelu(g, &f);
    nn_release(g, &f);
    snprintf(q, sizeof q, "%s.mlp.fc2", p);
    tensor x2 = nn_linear(g, &act, q, &x1);
    nn_release(g, &act);
    nn_release(g, &x1);
    return x2;
}

tensor clip_text_forward(nn_graph *g, const clip_config *c, const tensor *ids, int clip_skip, bool final_norm) {
    return clip_text_forward_pooled(g, c, ids, clip_skip, final_norm, NULL, NULL);
}

tensor clip_text_forward_pooled(nn_graph *g, const clip_config *c, const tensor *ids, int clip_skip, bool final_norm,
                                const tensor *eos_rows, tensor *pooled) {
    tensor empty = {0};
    if (clip_skip < 1 || clip_skip > c->num_layers) {
        nn_fail(g, error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "clip: clip skip %d is out of range (expected 1..%d)",
                             clip_skip, c->num_layers));
        return empty;
    }
    tensor x = nn_embedding(g, ids, "text_model.embeddings.token_embedding", "text_model.embeddings.position_embedding");
    int layers = c->num_layers - (clip_skip - 1);
    /* the pooled output needs every layer; the context is the chosen layer's output, kept alive */
    int run = pooled ? c->num_layers : layers;
    tensor chosen = x;
    for (int l = 0; l < run && g->status == PIXEEN_OK; l++) {
        x = clip_layer(g, c, x, l, pooled && l == layers);
        if (l + 1 == layers) chosen = x;
    }
    if (pooled) {
        int64_t B = x.shape[0], T = x.shape[1], D = x.shape[2];
        tensor last = nn_layer_norm(g, &x, "text_model.final_layer_norm", c->layer_norm_eps);
        if (layers < run) nn_release(g, &x);
        tensor flat = nn_view(last, 2, (const int64_t[]){B * T, D});
        tensor pick = nn_gather_rows(g, &flat, eos_rows);
        nn_release(g, &last);
        if (c->has_projection) {
            *pooled = nn_linear(g, &pick, "text_projection", NULL);
            nn_release(g, &pick);
        } else {
            *pooled = pick;
        }
    }
    if (!final_norm) return chosen;
    tensor out = nn_layer_norm(g, &chosen, "text_model.final_layer_norm", c->layer_norm_eps);
    nn_release(g, &chosen);
    return out;
}
