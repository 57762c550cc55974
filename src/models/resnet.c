/* resnet.c — see resnet.h. */
#include <stdio.h>

#include "models/resnet.h"

tensor resnet_block(nn_graph *g, const char *p, const tensor *x, const tensor *emb_silu, int groups, float eps) {
    char q[160];
    snprintf(q, sizeof q, "%s.norm1", p);
    tensor h = nn_group_norm(g, x, q, groups, eps, true);
    snprintf(q, sizeof q, "%s.conv1", p);
    tensor h1 = nn_conv2d(g, &h, q, 1, NULL);
    nn_release(g, &h);
    if (emb_silu) {
        snprintf(q, sizeof q, "%s.time_emb_proj", p);
        tensor e = nn_linear(g, emb_silu, q, NULL); /* [B, Cout] */
        nn_add_per_batch_channel(g, &h1, &e);
        nn_release(g, &e);
    }
    snprintf(q, sizeof q, "%s.norm2", p);
    h = nn_group_norm(g, &h1, q, groups, eps, true);
    nn_release(g, &h1);
    tensor shortcut = *x;
    bool own_shortcut = false;
    snprintf(q, sizeof q, "%s.conv_shortcut", p);
    if (nn_weight_has(g, q, "weight")) {
        shortcut = nn_conv2d(g, x, q, 1, NULL);
        own_shortcut = true;
    }
    snprintf(q, sizeof q, "%s.conv2", p);
    tensor out = nn_conv2d(g, &h, q, 1, &shortcut);
    nn_release(g, &h);
    if (own_shortcut) nn_release(g, &shortcut);
    return out;
}
