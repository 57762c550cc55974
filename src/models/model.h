/* model.h — a Stable Diffusion model on disk, in either layout, as one object.
 *
 *   model *m;  model_open("path/to/dir-or-file.safetensors", &m);
 *   const unet_config *u = model_unet_config(m);
 *   const model_weight *w = model_weight_find(m, MODEL_UNET, "conv_in.weight");
 *   model_weight_read_f16(w, 0, w->n_elements, staging);   // or chunk by chunk
 *   model_close(m);
 *
 * Layouts: a diffusers folder (model_index.json; <component>/config.json; weights in
 * diffusion_pytorch_model.safetensors or model.safetensors, or their .fp16 variants; tokenizer/),
 * or one single-file checkpoint in the original layout, whose family (SD 1.x, SD 2.x, SDXL,
 * inpainting) and network configuration are derived from its keys and shapes (layout_detect.c).
 * Either way every tensor listed by model_spec.h for the configuration must be present with its
 * shape; a missing or mis-shaped tensor fails the open with its name and both shapes. Tensors the
 * networks do not use are kept as "extras" (listed by model_extra_*), never an error: real
 * checkpoints carry EMA copies, schedule buffers and position_ids.
 * Weights are looked up by component and diffusers name, and streamed through the mapping.
 * A single file may be GGUF (stable-diffusion.cpp's quantized models): the safetensors layer reads
 * it as the same kind of table, with ggml block dtypes (gguf.h). A single file (GGUF or
 * safetensors) may also hold diffusers names under component prefixes, as stable-diffusion.cpp's
 * converter writes a diffusers folder (unet., vae., te., te.1.) or as UNet-only files carry them
 * (layout_detect_diffusers.c); the networks then find their tensors by the same diffusers names.
 * Left out: sharded checkpoints, .ckpt (pickle: never), SDXL refiner, ComfyUI-GGUF's reshaped
 * tensors (comfy.gguf.orig_shape).
 * LoRA is models/lora.h.
 */
#ifndef PIXEEN_MODELS_MODEL_H
#define PIXEEN_MODELS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/layout_names.h"
#include "models/model_config.h"
#include "models/model_spec.h"
#include "models/safetensors.h"

typedef enum model_layout { MODEL_LAYOUT_DIFFUSERS = 0, MODEL_LAYOUT_SINGLE_FILE } model_layout;

typedef struct model_weight {
    const char *name;                   /* diffusers name (owned by the model) */
    int ndim;
    int64_t shape[4];                   /* the shape the networks use (diffusers convention) */
    uint64_t n_elements;
    const safetensors_file *file;
    const safetensors_tensor *tensor;   /* the stored tensor (may be larger: fused qkv) */
    uint64_t first_element;             /* of this weight inside `tensor` */
    bool transpose;                     /* stored as the 2-D transpose */
} model_weight;

typedef struct model model;

pixeen_status model_open(const char *path, model **out);
void model_close(model *m);

const char *model_path(const model *m);
model_layout model_get_layout(const model *m);
/* True for a diffusers folder and for a single file whose tensors carry diffusers names. */
bool model_has_diffusers_names(const model *m);
model_family model_get_family(const model *m);
bool model_is_inpainting(const model *m);
bool model_has(const model *m, model_component c);
/* Where component c would be and why it is not ("its vae/ folder is missing", "no tensor name
 * starts with 'first_stage_model.'"), for messages; buf is always NUL-terminated. */
void model_component_where(const model *m, model_component c, char *buf, size_t size);
/* PIXEEN_OK when c is present, else PIXEEN_ERROR_MODEL naming the component, where it was looked
 * for and `purpose` (what needs it, e.g. "text to image"). A model may lack components (a diffusers
 * folder without vae/, a checkpoint saved without its VAE): model_open accepts that, and every
 * user of a component checks with this first. */
pixeen_status model_require(const model *m, model_component c, const char *purpose);

const clip_config *model_clip_config(const model *m, model_component c); /* NULL if absent */
const unet_config *model_unet_config(const model *m);
const vae_config *model_vae_config(const model *m);

size_t model_weight_count(const model *m, model_component c);
const model_weight *model_weight_at(const model *m, model_component c, size_t index);
const model_weight *model_weight_find(const model *m, model_component c, const char *name);
/* The file a component's weights come from (the single file for both layouts' single case). */
const safetensors_file *model_component_file(const model *m, model_component c);

/* Tensors stored for a component (under its prefix, for a single file) that no network uses. */
size_t model_extra_count(const model *m, model_component c);
const char *model_extra_at(const model *m, model_component c, size_t index);

/* Folder of the diffusers tokenizer (tokenizer/ or tokenizer_2/) beside the weights, or NULL. */
const char *model_tokenizer_dir(const model *m, model_component c);

/* Elements [first, first + count) of the weight, in its diffusers shape, converted. */
pixeen_status model_weight_read_f16(const model_weight *w, uint64_t first, uint64_t count, uint16_t *dst);
pixeen_status model_weight_read_f32(const model_weight *w, uint64_t first, uint64_t count, float *dst);

/* Internal to models/: derive family and configs from a single file (layout_detect.c; files in
 * diffusers names: layout_detect_diffusers.c). */
typedef struct layout_detected {
    model_family family;
    bool inpainting;
    bool present[MODEL_COMPONENT_COUNT];
    clip_config clip[2];
    unet_config unet;
    vae_config vae;
    /* Diffusers names (model_spec.h's) under a per-component prefix, e.g. "unet.", instead of the
     * original layout's keys: bound without layout_original_ref. */
    bool diffusers_names;
    const char *prefix[MODEL_COMPONENT_COUNT]; /* static strings; set when diffusers_names */
} layout_detected;
pixeen_status layout_detect(const safetensors_file *file, layout_detected *out);
/* The parts of layout_detect both namings share: what shapes cannot tell (heads, groups, eps,
 * sample sizes, the VAE scaling factor) from the family, then validation. */
pixeen_status layout_detect_finish(const char *path, layout_detected *d);
/* A CLIP text encoder in Hugging Face names under `prefix`; false when it has no token embedding. */
bool layout_detect_clip_hf(const safetensors_file *f, const char *prefix, clip_config *c);
/* True when the file's UNet is stored in diffusers names (conv_in.weight, down_blocks.*). */
bool layout_has_diffusers_names(const safetensors_file *f);
pixeen_status layout_detect_diffusers(const safetensors_file *f, layout_detected *d);

#endif
