/* tokenizer_locate.h — where the CLIP tokenizer files for a model come from.
 * Order: the folder the user named (--tokenizer DIR); the model's own (a diffusers folder's
 * tokenizer/, or a diffusers folder beside a single-file checkpoint); then the user's data folder
 * $XDG_DATA_HOME/pixeen/tokenizers/clip/ (~/.local/share/... when XDG_DATA_HOME is unset), or
 * .../tokenizers/openclip/ for OpenCLIP encoders (SD 2.x, SDXL's second: pad token "!").
 * A folder counts when it holds vocab.json and merges.txt.
 * tokenizer_open then falls back to the built-in CLIP vocabulary (text/tokenizer_builtin.h), so a
 * single-file checkpoint works with nothing beside it; a folder the user named must exist.
 * Entry points: tokenizer_locate, tokenizer_open. */
#ifndef PIXEEN_TEXT_TOKENIZER_LOCATE_H
#define PIXEEN_TEXT_TOKENIZER_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "text/tokenizer.h"

/* Writes the folder to use into out. `explicit_dir` and `model_dir` may be NULL; `openclip`
 * selects the data-folder name. Fails with PIXEEN_ERROR_TOKENIZER and a message saying exactly
 * what to provide (naming `what`, e.g. the model path). */
pixeen_status tokenizer_locate(const char *explicit_dir, const char *model_dir, bool openclip, const char *what,
                               char *out, size_t size);

/* The tokenizer to use: tokenizer_locate's folder, else the built-in CLIP vocabulary (padding with
 * "!" when `openclip`). `source` (optional) receives the folder or TOKENIZER_BUILTIN_NAME. */
pixeen_status tokenizer_open(const char *explicit_dir, const char *model_dir, bool openclip, const char *what,
                             tokenizer **out, char *source, size_t source_size);

#endif
