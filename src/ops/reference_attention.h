/* reference_attention.h — plain-C attention, the oracle for tests and benchmark validation.
 * Same layout as op_attention_record (q [B, Tq, *] rows q_stride apart, k/v [B, Tk, *], out
 * [B, Tq, H*D] dense); double accumulation and an exact two-pass softmax. */
#ifndef PIXEEN_OPS_REFERENCE_ATTENTION_H
#define PIXEEN_OPS_REFERENCE_ATTENTION_H

#include <stddef.h>

typedef struct ref_attention_shape {
    size_t batch, tq, tk, heads, head_dim;
    size_t q_stride, k_stride, v_stride; /* elements between rows; 0 means heads*head_dim */
    float scale;                         /* 0 means 1/sqrt(head_dim) */
} ref_attention_shape;

/* One query row (batch b, token t), all heads: writes heads*head_dim values to out_row. */
void ref_attention_row(const ref_attention_shape *s, const float *q, const float *k, const float *v, size_t b,
                       size_t t, float *out_row);
/* Every row. */
void ref_attention(const ref_attention_shape *s, const float *q, const float *k, const float *v, float *out);

#endif
