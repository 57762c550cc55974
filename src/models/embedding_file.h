/* embedding_file.h — the vectors of a textual-inversion embedding file (.safetensors only, read by
 * the strict reader of models/safetensors.h). Layouts, as AUTOMATIC1111 and diffusers write them:
 *   AUTOMATIC1111    "emb_params" [n, D] (or [D])
 *   diffusers        one tensor, named after its token ("<cat-toy>"), [n, D] or [D]
 *   SDXL             "clip_l" [n, 768] for the first text encoder, "clip_g" [n, 1280] for the second
 * `component` picks clip_l (MODEL_TEXT_ENCODER) or clip_g (MODEL_TEXT_ENCODER_2) where both exist;
 * `dim` is the text encoder's width: vectors of another width are PIXEEN_ERROR_MODEL (an embedding
 * for another model family), which the caller reports and skips, as A1111 skips them.
 * Entry point: embedding_file_read. */
#ifndef PIXEEN_MODELS_EMBEDDING_FILE_H
#define PIXEEN_MODELS_EMBEDDING_FILE_H

#include <stdint.h>

#include "models/layout_names.h"
#include "models/safetensors.h"

/* *vectors: malloc'ed fp32 [*count, dim] (the caller frees). At most 75 vectors. */
pixeen_status embedding_file_read(const char *path, model_component component, int64_t dim, float **vectors,
                                  int64_t *count);
/* The same over a file already open (tests, fuzzing). */
pixeen_status embedding_file_vectors(const safetensors_file *f, model_component component, int64_t dim, float **vectors,
                                     int64_t *count);

#endif
