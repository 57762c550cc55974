/* lora_file.h — the modules of a LoRA file, as stored, before they meet a model.
 *
 * A LoRA file is a .safetensors file (read by the strict reader of models/safetensors.h; pickled
 * .pt/.ckpt files are never opened) whose tensors come in groups, one per adapted layer ("module"):
 *   kohya / AUTOMATIC1111   <base>.lora_down.weight [R, K] or [R, Cin, kh, kw],
 *                           <base>.lora_up.weight [N, R] or [N, R, 1, 1], <base>.alpha (scalar)
 *   diffusers / PEFT        <base>.lora_A.weight (down), <base>.lora_B.weight (up)
 *   older diffusers         <base>.lora.down.weight / .lora.up.weight,
 *                           <base>.lora_linear_layer.down.weight / .up.weight
 * A module's update is alpha / R * up @ down (no alpha: alpha = R, the PEFT default). A 3x3 `down`
 * with a 1x1 `up` is LoCon's convolution LoRA. Each module is checked on its own here (both
 * halves present, float dtypes, ranks agree, a scalar alpha); whether it fits a layer of a model
 * is lora.c's business. LyCORIS variants with other algebra (LoHa, LoKr, Tucker's lora_mid, DoRA)
 * are refused with a message, never merged wrongly. Tensors that belong to no module are counted
 * (`stray`) for the caller's warning.
 * Entry points: lora_file_open, lora_file_close. */
#ifndef PIXEEN_MODELS_LORA_FILE_H
#define PIXEEN_MODELS_LORA_FILE_H

#include <stddef.h>

#include "models/safetensors.h"

typedef struct lora_module {
    char *base;                       /* the key before the part suffix, owned */
    const safetensors_tensor *down;   /* [R, K] or [R, Cin, kh, kw] */
    const safetensors_tensor *up;     /* [N, R] or [N, R, 1, 1] */
    int64_t rank;                     /* R */
    float alpha;                      /* R when the file has none */
} lora_module;

typedef struct lora_file {
    safetensors_file *file;
    lora_module *modules;             /* sorted by base */
    size_t count;
    size_t stray;                     /* tensors that are no module's part */
    char first_stray[3][96];          /* the first few of them, for the warning */
} lora_file;

/* Opens and checks `path`; on failure *out is NULL and the message names the file and key. */
pixeen_status lora_file_open(const char *path, lora_file **out);
/* The same over bytes the caller keeps alive until close (tests, fuzzing). */
pixeen_status lora_file_open_memory(const void *data, size_t size, const char *name, lora_file **out);
void lora_file_close(lora_file *f);

#endif
