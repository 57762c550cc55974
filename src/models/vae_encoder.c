/* vae_encoder.c — see vae_encoder.h. */
#include <stdio.h>

#include "models/resnet.h"
#include "models/vae.h"
#include "models/vae_encoder.h"
#include "ops/gemm.h"

/* Downsample2D with padding 0: PyTorch pads one zero row and column after the image, then a 3x3
 * stride-2 convolution: [B, H, W, C] -> [B, H / 2, W / 2, C] for even H and W. */
static tensor downsample(nn_graph *g, const tensor *x, const char *prefix) {
    int64_t B = x->shape[0], H = x->shape[1], W = x->shape[2], Cin = x->shape[3];
    tensor w = nn_weight_get(g, prefix, "weight", 4, (const int64_t[]){-1, Cin, 3, 3});
    tensor empty = {0};
    if (g->status != PIXEEN_OK) return empty;
    int64_t Cout = w.shape[0];
    tensor bias = nn_weight_get(g, prefix, "bias", 1, (const int64_t[]){Cout});
    tensor out = nn_alloc4(g, B, (H + 1 - 3) / 2 + 1, (W + 1 - 3) / 2 + 1, Cout);
    if (g->rec && g->status == PIXEEN_OK) {
        tensor wk = nn_view(w, 4, (const int64_t[]){Cout, 3, 3, Cin}); /* reordered at upload */
        op_conv2d_pad_end_record(g->rec, x, &wk, &bias, NULL, &out, 2, 0, 1, NULL);
    }
    return out;
}

tensor vae_encode_forward(nn_graph *g, const vae_config *c, const tensor *image) {
    char p[128];
    const int n = c->n_levels, L = c->layers_per_block;
    tensor x = nn_conv2d(g, image, "encoder.conv_in", 1, NULL), y;
    for (int i = 0; i < n && g->status == PIXEEN_OK; i++) {
        for (int j = 0; j < L; j++) {
            snprintf(p, sizeof p, "encoder.down_blocks.%d.resnets.%d", i, j);
            y = resnet_block(g, p, &x, NULL, c->norm_num_groups, c->norm_eps);
            nn_release(g, &x);
            x = y;
        }
        if (i < n - 1) {
            snprintf(p, sizeof p, "encoder.down_blocks.%d.downsamplers.0.conv", i);
            y = downsample(g, &x, p);
            nn_release(g, &x);
            x = y;
        }
    }
    y = resnet_block(g, "encoder.mid_block.resnets.0", &x, NULL, c->norm_num_groups, c->norm_eps);
    nn_release(g, &x);
    x = vae_attention_forward(g, c, "encoder.mid_block.attentions.0", &y);
    nn_release(g, &y);
    y = resnet_block(g, "encoder.mid_block.resnets.1", &x, NULL, c->norm_num_groups, c->norm_eps);
    nn_release(g, &x);
    tensor h = nn_group_norm(g, &y, "encoder.conv_norm_out", c->norm_num_groups, c->norm_eps, true);
    nn_release(g, &y);
    tensor moments = nn_conv2d(g, &h, "encoder.conv_out", 1, NULL);
    nn_release(g, &h);
    tensor out = nn_conv2d(g, &moments, "quant_conv", 1, NULL);
    nn_release(g, &moments);
    return out;
}
