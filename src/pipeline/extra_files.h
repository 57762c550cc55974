/* extra_files.h — where the files that prompts name live: LoRAs (<lora:NAME:W>) and textual-
 * inversion embeddings (a word in the prompt), as AUTOMATIC1111 keeps them in models/Lora and
 * embeddings/. The folders default to $XDG_DATA_HOME/pixeen/loras and .../embeddings (else
 * ~/.local/share/pixeen/...). A NAME is a file stem, found at DIR/NAME.safetensors or, like
 * A1111, in a sub-folder (DIR/any/NAME.safetensors, up to 4 levels). Names are never paths out of
 * DIR: an absolute name or a ".." component is refused. Only .safetensors files are read: a
 * pickled NAME.pt / .ckpt / .bin (which can run code when loaded) is refused with a message that
 * says so. Entry points: extra_dir_default, extra_file_find. */
#ifndef PIXEEN_PIPELINE_EXTRA_FILES_H
#define PIXEEN_PIPELINE_EXTRA_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* `kind` is "loras" or "embeddings". Fails (PIXEEN_ERROR_IO) when neither XDG_DATA_HOME nor
 * HOME is set. */
pixeen_status extra_dir_default(const char *kind, char *out, size_t size);
/* Finds NAME's .safetensors in dir. `what` ("LoRA", "embedding") is used in messages. *found is
 * false (and no error) when nothing of that name exists and `required` is false. */
pixeen_status extra_file_find(const char *dir, const char *name, const char *what, bool required, char *out,
                              size_t size, bool *found);

#endif
