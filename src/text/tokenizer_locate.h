/* tokenizer_locate.h — where the CLIP tokenizer files for a model come from.
 * Order: the folder the user named (--tokenizer DIR); the model's own (a diffusers folder's
 * tokenizer/, or a diffusers folder beside a single-file checkpoint); then the user's data folder
 * $XDG_DATA_HOME/pixeen/tokenizers/clip/ (~/.local/share/... when XDG_DATA_HOME is unset), or
 * .../tokenizers/openclip/ for OpenCLIP encoders (SD 2.x, SDXL's second: pad token "!").
 * A folder counts when it holds vocab.json and merges.txt.
 * Entry point: tokenizer_locate. */
#ifndef PIXEEN_TEXT_TOKENIZER_LOCATE_H
#define PIXEEN_TEXT_TOKENIZER_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Writes the folder to use into out. `explicit_dir` and `model_dir` may be NULL; `openclip`
 * selects the data-folder name. Fails with PIXEEN_ERROR_TOKENIZER and a message saying exactly
 * what to provide (naming `what`, e.g. the model path). */
pixeen_status tokenizer_locate(const char *explicit_dir, const char *model_dir, bool openclip, const char *what,
                               char *out, size_t size);

#endif
