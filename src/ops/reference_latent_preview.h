/* reference_latent_preview.h — the plain-C specification of
 * op_latent_preview_record (ops/latent_preview.h). */
#ifndef PIXEEN_OPS_REFERENCE_LATENT_PREVIEW_H
#define PIXEEN_OPS_REFERENCE_LATENT_PREVIEW_H

#include <stdint.h>

#include "ops/latent_preview.h"

/* The same on the host: `latents` fp32 NHWC [pixels, 4] -> rgb [pixels * 3]. */
void ref_latent_preview(const float *latents, uint64_t pixels, const op_preview_factors *factors, uint8_t *rgb);

#endif
