/* latent_preview.h — the cheap latent -> RGB8 preview (shaders/latent_preview.comp) and its plain-C
 * reference. The factors are the model family's (pipeline/family.h): rgb = latent . F + bias per
 * latent pixel.
 * Entry points: op_latent_preview_record, op_latent_preview_bytes, reference_latent_preview. */
#ifndef PIXEEN_OPS_LATENT_PREVIEW_H
#define PIXEEN_OPS_LATENT_PREVIEW_H

#include "core/tensor.h"
#include "gpu/gpu.h"

/* Bytes `out` must have for a preview of `pixels` latent pixels (RGB8, rounded up to whole uints). */
uint64_t op_latent_preview_bytes(uint64_t pixels);
/* The latent format's linear map: row c is latent channel c's RGB contribution. */
typedef struct op_preview_factors {
    float f[4][3];
    float bias[3];
} op_preview_factors;

/* Records the preview of image 0 of `latents` (fp32 NHWC [B, h, w, 4]) into `out` (h * w * 3
 * bytes of RGB8 at offset 0, rows top to bottom). */
void op_latent_preview_record(gpu_recorder *rec, const tensor *latents, const op_preview_factors *factors,
                              gpu_buffer *out);

#endif
