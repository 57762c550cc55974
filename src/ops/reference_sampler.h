/* reference_sampler.h — plain-C versions of the sampler kernels (sampler.h), in fp32 like the GPU. */
#ifndef PIXEEN_OPS_REFERENCE_SAMPLER_H
#define PIXEEN_OPS_REFERENCE_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/sampler.h"

/* x and prev (may be NULL) are updated in place; model_out holds [u; c] when cfg; noise may be NULL. */
void ref_sampler_step(const sampler_scalars *s, const float *model_out, bool cfg, float *x, float *prev,
                      const float *noise, size_t n);
void ref_sampler_scale_input(const sampler_scalars *s, const float *x, size_t n, size_t copies, float *x_in);
void ref_scale_shift(const float *x, size_t n, float scale, float shift, float *out);

#endif
