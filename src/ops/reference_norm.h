/* reference_norm.h — plain-C group and layer normalisation (double statistics, two passes), the
 * oracle for tests and benchmark validation. Layouts as in norm.h. */
#ifndef PIXEEN_OPS_REFERENCE_NORM_H
#define PIXEEN_OPS_REFERENCE_NORM_H

#include <stdbool.h>
#include <stddef.h>

/* x [B, N, C], G groups of C/G channels; gamma, beta [C]. */
void ref_group_norm(const float *x, size_t batch, size_t n, size_t c, size_t groups, const float *gamma,
                    const float *beta, float eps, bool silu, float *out);
/* Only the elements of pixel `pixel` of item `b` (C values): for sampled validation. */
void ref_group_norm_pixel(const float *x, size_t n, size_t c, size_t groups, const float *gamma, const float *beta,
                          float eps, bool silu, size_t b, size_t pixel, float *out_c);
/* x [rows, C]. */
void ref_layer_norm(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, float eps, float *out);

#endif
