/* reference_layout.h — plain-C nearest 2x upsampling, channel concatenation, transposes (layouts as
 * in layout.h) and row gathers (op_gather_rows_record, token_embedding.h). */
#ifndef PIXEEN_OPS_REFERENCE_LAYOUT_H
#define PIXEEN_OPS_REFERENCE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

void ref_upsample_nearest2x(const float *x, size_t b, size_t h, size_t w, size_t c, float *out);
/* torch's F.interpolate(mode="nearest", size=(ho, wo)) on NHWC, by its own index rule
 * (upsample_nearest: same size, exact 2x, else min(floor(i * (float)in / out), in - 1)). */
void ref_upsample_nearest(const float *x, size_t b, size_t h, size_t w, size_t c, size_t ho, size_t wo, float *out);
void ref_concat_channels(const float *a, const float *b, size_t rows, size_t c1, size_t c2, float *out);
void ref_transpose(const float *x, size_t batch, size_t r, size_t s, float *out);
/* out[r] = x[rows[r]] for r < n_rows; x has n_x rows of d; a bad index reads row 0. */
void ref_gather_rows(const int32_t *rows, size_t n_rows, const float *x, size_t n_x, size_t d, float *out);

#endif
