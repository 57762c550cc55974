/* reference_latent_sample.h — the plain-C specification of
 * op_latent_sample_record (ops/latent_sample.h). */
#ifndef PIXEEN_OPS_REFERENCE_LATENT_SAMPLE_H
#define PIXEEN_OPS_REFERENCE_LATENT_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

void ref_latent_sample(const float *moments, const float *noise, float scale, int64_t B, int64_t pixels, int64_t C,
                       float *out);

#endif
