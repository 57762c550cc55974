/* lora_names.h — which layer of a model a LoRA module's name means.
 *
 * The map is derived from the model's own weight list and name map (models/layout_names.h), never
 * from a hand-written table, so every layer a network has can be adapted and the names follow
 * the configuration (layers per block, levels, SDXL's transformer depths). For each linear or
 * convolution weight `X.weight` of the text encoder(s) and the UNet it accepts:
 *   kohya / AUTOMATIC1111   lora_unet_<X with '.' -> '_'>, and the same with X's original-layout
 *                           name (input_blocks_4_1_..., as kohya writes SDXL LoRAs);
 *                           lora_te_<...> (SD 1.x / 2.x), lora_te1_ / lora_te2_ (SDXL's two)
 *   diffusers / PEFT        unet.X, text_encoder.X, text_encoder_2.X (and base_model.model.X for
 *                           a UNet saved by PEFT itself); old attention-processor names
 *                           (<block>.processor.to_q_lora) are read as the layers they adapt.
 * Entry points: lora_name_map_build, lora_name_map_find, lora_name_map_free. */
#ifndef PIXEEN_MODELS_LORA_NAMES_H
#define PIXEEN_MODELS_LORA_NAMES_H

#include <stdbool.h>

#include "models/model.h"

typedef struct lora_name_map lora_name_map;

pixeen_status lora_name_map_build(const model *m, lora_name_map **out);
/* The component and diffusers weight name ("....to_q.weight", owned by the model) adapted by the
 * module called `base`; false when no layer has that name. */
bool lora_name_map_find(const lora_name_map *map, const char *base, model_component *component, const char **weight);
void lora_name_map_free(lora_name_map *map);

#endif
