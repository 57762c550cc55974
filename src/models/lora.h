/* lora.h — LoRA files merged into a model's weights on the GPU, and the exact originals put back.
 *
 *   lora_state *s = NULL;
 *   lora_apply(gpu, files, weights, &s, list, n);   // weights = originals + every listed LoRA
 *   ... generate ...
 *   lora_apply(gpu, files, weights, &s, NULL, 0);   // originals again (or lora_restore)
 *   lora_state_free(s);
 *
 * Each module of each file (models/lora_file.h) is matched to a layer through the model's own
 * name map (models/lora_names.h) and merged in place by the lora_merge shader:
 *   W += weight * alpha / rank * up @ down        (fp32 accumulation, W stays fp16)
 * with `weight` the request's text-encoder or UNet weight. Before a weight is first changed, a
 * copy of it is made on the GPU (a buffer-to-buffer copy); restoring copies it back, so the
 * originals return bit for bit and switching LoRAs costs GPU copies, not a model reload. Applying
 * the list that is already applied (same files, unchanged on disk, same weights) does nothing.
 *
 * Everything is checked before the first weight changes: files (strict safetensors reader),
 * modules, and shapes — a module whose update does not fit its layer is an error naming the
 * module, the layer and both shapes. Modules that name no layer of this model are a warning (their
 * count and the first names), as AUTOMATIC1111 skips them. On any error the originals are back.
 * Weights must be the plain fp16 tensors of models/nn.h (quantized weights are not merged here).
 * Every change (merge or restore) also recomputes the weights' cached Winograd kernels
 * (nn_weights_winograd_refresh), in place, so recorded steps see the merged weights.
 * Entry points: lora_apply, lora_restore, lora_state_free, lora_state_merged_modules. */
#ifndef PIXEEN_MODELS_LORA_H
#define PIXEEN_MODELS_LORA_H

#include "models/model.h"
#include "models/nn.h"

typedef struct lora_request {
    const char *path;  /* a .safetensors LoRA file */
    float te_weight;   /* multiplier for the text encoder(s) */
    float unet_weight; /* multiplier for the UNet */
} lora_request;

typedef struct lora_state lora_state;

/* weights: the model's GPU weights indexed by model_component (components without weights have
 * count 0). *state may be NULL the first time; it is created when needed. */
pixeen_status lora_apply(gpu_context *ctx, const model *m, nn_weights weights[MODEL_COMPONENT_COUNT], lora_state **state,
                         const lora_request *list, size_t count);
/* Copies the original weights back (and their Winograd kernels, for the weights the last
 * lora_apply was given) and frees the copies (nothing to do when none is merged). */
pixeen_status lora_restore(gpu_context *ctx, lora_state *state);
/* Frees the copies without restoring (the weights are being freed too). NULL is a no-op. */
void lora_state_free(lora_state *state);
/* Modules merged by the last lora_apply (for tests and --verbose). */
size_t lora_state_merged_modules(const lora_state *state);

#endif
