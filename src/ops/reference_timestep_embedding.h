/* reference_timestep_embedding.h — plain-C diffusers get_timestep_embedding: the frequencies and arguments
 * in fp32 in torch's order, sin/cos in double of the fp32 argument. */
#ifndef PIXEEN_OPS_REFERENCE_TIMESTEP_EMBEDDING_H
#define PIXEEN_OPS_REFERENCE_TIMESTEP_EMBEDDING_H

#include <stdbool.h>
#include <stddef.h>

/* timesteps[rows] -> out [rows, dim]. */
void ref_timestep_embedding(const float *timesteps, size_t rows, size_t dim, bool flip_sin_to_cos,
                            float downscale_freq_shift, float scale, float max_period, float *out);

#endif
