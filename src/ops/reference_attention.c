/* reference_attention.c — see reference_attention.h. */
#include "ops/reference_attention.h"

#include <math.h>
#include <stdlib.h>

void ref_attention_row(const ref_attention_shape *s, const float *q, const float *k, const float *v, size_t b,
                       size_t t, float *out_row) {
    size_t hd = s->heads * s->head_dim, D = s->head_dim;
    size_t qs = s->q_stride ? s->q_stride : hd, ks = s->k_stride ? s->k_stride : hd, vs = s->v_stride ? s->v_stride : hd;
    double scale = s->scale != 0 ? s->scale : 1.0 / sqrt((double)D);
    double *score = malloc(s->tk * sizeof *score);
    if (!score) return;
    for (size_t h = 0; h < s->heads; h++) {
        const float *qr = q + (b * s->tq + t) * qs + h * D;
        double mx = -INFINITY;
        for (size_t j = 0; j < s->tk; j++) {
            const float *kr = k + (b * s->tk + j) * ks + h * D;
            double dot = 0;
            for (size_t d = 0; d < D; d++) dot += (double)qr[d] * kr[d];
            score[j] = dot * scale;
            if (score[j] > mx) mx = score[j];
        }
        double sum = 0;
        for (size_t j = 0; j < s->tk; j++) {
            score[j] = exp(score[j] - mx);
            sum += score[j];
        }
        for (size_t d = 0; d < D; d++) {
            double o = 0;
            for (size_t j = 0; j < s->tk; j++) o += score[j] * v[(b * s->tk + j) * vs + h * D + d];
            out_row[h * D + d] = (float)(o / sum);
        }
    }
    free(score);
}

void ref_attention(const ref_attention_shape *s, const float *q, const float *k, const float *v, float *out) {
    size_t hd = s->heads * s->head_dim;
    for (size_t b = 0; b < s->batch; b++)
        for (size_t t = 0; t < s->tq; t++) ref_attention_row(s, q, k, v, b, t, out + (b * s->tq + t) * hd);
}
