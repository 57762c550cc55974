/* fuzz_png_params.c — libFuzzer target for the PNG `parameters` chunk reader (chunk lengths,
 * CRCs, tEXt and iTXt layouts). Seeds in tests/data/corpus/png_params: small PNGs written by
 * vault_png_encode with ASCII (tEXt) and UTF-8 (iTXt) parameters. */
#include <stddef.h>
#include <stdint.h>

#include "vault/png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vault_secret *text = NULL;
    if (vault_png_read_parameters(data, size, &text) == PIXEEN_OK) vault_secret_destroy(text);
    return 0;
}
