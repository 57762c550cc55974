/* vae.c — see vae.h. */
#include <stdio.h>

#include "models/resnet.h"
#include "models/vae.h"

static tensor vae_resnet(nn_graph *g, const vae_config *c, const char *p, const tensor *x) {
    return resnet_block(g, p, x, NULL, c->norm_num_groups, c->norm_eps);
}

tensor vae_attention_forward(nn_graph *g, const vae_config *c, const char *p, const tensor *x) {
    char q[160];
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
    snprintf(q, sizeof q, "%s.group_norm", p);
    tensor n = nn_group_norm(g, x, q, c->norm_num_groups, c->norm_eps, false);
    tensor n3 = nn_view(n, 3, (const int64_t[]){B, H * W, C});
    snprintf(q, sizeof q, "%s.to_q", p);
    tensor qt = nn_linear(g, &n3, q, NULL);
    snprintf(q, sizeof q, "%s.to_k", p);
    tensor kt = nn_linear(g, &n3, q, NULL);
    snprintf(q, sizeof q, "%s.to_v", p);
    tensor vt = nn_linear(g, &n3, q, NULL);
    nn_release(g, &n);
    tensor a = nn_attention(g, &qt, &kt, &vt, 1, false);
    nn_release(g, &qt);
    nn_release(g, &kt);
    nn_release(g, &vt);
    tensor x3 = nn_view(*x, 3, (const int64_t[]){B, H * W, C});
    snprintf(q, sizeof q, "%s.to_out.0", p);
    tensor out = nn_linear(g, &a, q, &x3);
    nn_release(g, &a);
    return nn_view(out, 4, (const int64_t[]){B, H, W, C});
}

tensor vae_decode_forward(nn_graph *g, const vae_config *c, const tensor *latents) {
    char p[128];
    const int n = c->n_levels, L = c->layers_per_block;
    tensor z = nn_conv2d(g, latents, "post_quant_conv", 1, NULL);
    tensor x = nn_conv2d(g, &z, "decoder.conv_in", 1, NULL);
    nn_release(g, &z);
    tensor y = vae_resnet(g, c, "decoder.mid_block.resnets.0", &x);
    nn_release(g, &x);
    x = vae_attention_forward(g, c, "decoder.mid_block.attentions.0", &y);
    nn_release(g, &y);
    y = vae_resnet(g, c, "decoder.mid_block.resnets.1", &x);
    nn_release(g, &x);
    x = y;
    for (int i = 0; i < n && g->status == PIXEEN_OK; i++) {
        for (int j = 0; j < L + 1; j++) {
            snprintf(p, sizeof p, "decoder.up_blocks.%d.resnets.%d", i, j);
            y = vae_resnet(g, c, p, &x);
            nn_release(g, &x);
            x = y;
        }
        if (i < n - 1) {
            tensor u = nn_upsample2x(g, &x);
            nn_release(g, &x);
            snprintf(p, sizeof p, "decoder.up_blocks.%d.upsamplers.0.conv", i);
            x = nn_conv2d(g, &u, p, 1, NULL);
            nn_release(g, &u);
        }
    }
    tensor h = nn_group_norm(g, &x, "decoder.conv_norm_out", c->norm_num_groups, c->norm_eps, true);
    nn_release(g, &x);
    tensor out = nn_conv2d(g, &h, "decoder.conv_out", 1, NULL);
    nn_release(g, &h);
    return out;
}
