/* reference_latent_scale.h — the plain-C specification of op_latent_scale_record (ops/latent_scale.h). */
#ifndef PIXEEN_OPS_REFERENCE_LATENT_SCALE_H
#define PIXEEN_OPS_REFERENCE_LATENT_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out = x * scale. */
void ref_latent_scale(const float *x, size_t n, float scale, float *out);

#endif
