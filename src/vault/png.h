/* png.h — PNG images with generation parameters, in locked memory. The parameters travel the way
 * AUTOMATIC1111 writes them, so other tools show them: a `parameters` text chunk placed right
 * after IHDR (tEXt when the text is Latin-1-safe ASCII, else iTXt with UTF-8), holding
 *
 *     PROMPT
 *     Negative prompt: NEG
 *     Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 1, Size: 512x512, Model hash: abcd1234, Model: name
 *
 * Leaves out: other chunks, compressed zTXt/iTXt on reading, 16-bit images.
 * Entry points: vault_params_format, vault_png_encode, vault_png_read_parameters.
 */
#ifndef PIXEEN_VAULT_PNG_H
#define PIXEEN_VAULT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vault/secret.h"

/* The A1111 parameters text for `p` (a NUL-terminated secret: it holds the prompt). */
pixeen_status vault_params_format(const pixeen_generation_params *p, vault_secret **out);

/* Encodes RGB8 pixels (width * height * 3 bytes, rows top to bottom) as PNG with the
 * `parameters` text chunk (NULL or "": none) into a new secret buffer. */
pixeen_status vault_png_encode(const uint8_t *rgb, int width, int height, const char *parameters, vault_secret **png);

/* Finds the `parameters` chunk (tEXt or uncompressed iTXt) in PNG bytes and copies its text into a
 * NUL-terminated secret. Every chunk's length and CRC is checked up to it. PIXEEN_ERROR_FORMAT
 * for a malformed PNG or when there is no such chunk. */
pixeen_status vault_png_read_parameters(const uint8_t *png, size_t len, vault_secret **out);

#endif
