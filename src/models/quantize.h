/* quantize.h — converting a checkpoint (a single .safetensors, a GGUF again, or a diffusers folder)
 * into a GGUF file as stable-diffusion.cpp's converter writes it (`sd -M convert --type T`), so the
 * result loads in both programs:
 *   - tensor names as stored (the original layout: model.diffusion_model.*, first_stage_model.*,
 *     cond_stage_model.*), shapes unchanged; a diffusers folder's in diffusers names under the
 *     converter's prefixes (see model_quantize_names);
 *   - a tensor is quantized to T when its rows (innermost extent) are whole blocks of T, unless its
 *     name ends in .bias or .scale or contains time_embed., label_emb. or embedding (the converter's
 *     tensor_should_be_converted rules for UNet models); every other tensor keeps its stored type
 *     (F32, F16 or BF16), so 3x3 and 1x1 convolution kernels (rows of kw values) stay as they are;
 *   - integer tensors (position_ids), EMA copies (model_ema.*) and the DDPM schedule buffers stored at
 *     the top level (betas, posterior_*, ...; alphas_cumprod is kept) are left out, as the converter
 *     leaves them out: no network reads them.
 * Quantizers are ggml's reference ones (round to nearest): q8_0 output is byte-identical to the
 * converter's; its q4_0 / q5_1 pick slightly different block scales (its ggml searches them), both
 * valid files of the same type.
 * The output is written atomically (gguf_write_file). `log` (may be NULL) receives a summary.
 */
#ifndef PIXEEN_MODELS_QUANTIZE_H
#define PIXEEN_MODELS_QUANTIZE_H

#include <stdio.h>

#include "core/error.h"

pixeen_status model_quantize(const char *in_path, const char *out_path, const char *type_name, FILE *log);

/* Which names the output carries. AUTO: a single file in the original layout keeps its names; a
 * diffusers folder (or a file already in diffusers names) is written as stable-diffusion.cpp's
 * converter writes a diffusers folder: every weight the networks use, in its diffusers name and
 * shape, under the component's prefix (unet., vae., te., te.1.); a tensor stored as a slice or a
 * transpose of an original one (OpenCLIP's fused attention, text_projection) is written whole in
 * the new shape. DIFFUSERS forces that for any input; tests use it to get the same weights in
 * both namings. ORIGINAL from diffusers names is refused (PIXEEN_ERROR_UNSUPPORTED). */
typedef enum quantize_names { QUANTIZE_NAMES_AUTO = 0, QUANTIZE_NAMES_DIFFUSERS, QUANTIZE_NAMES_ORIGINAL } quantize_names;
pixeen_status model_quantize_names(const char *in_path, const char *out_path, const char *type_name,
                                   quantize_names names, FILE *log);

#endif
