/* reference_latent_blend.h — the plain-C specification of
 * op_latent_blend_record (ops/latent_blend.h). */
#ifndef PIXEEN_OPS_REFERENCE_LATENT_BLEND_H
#define PIXEEN_OPS_REFERENCE_LATENT_BLEND_H

#include <stddef.h>
#include <stdint.h>

void ref_latent_blend(float alpha, float beta, const float *x0, const float *noise, const float *mask, int64_t n,
                      int64_t C, int64_t pixels, float *x);

#endif
