/* image_save.c — pixeen_image_save: GPU pixels -> locked host memory -> PNG -> age -> disk. */
#include <string.h>

#include "api/internal.h"
#include "vault/age_file.h"
#include "vault/file.h"
#include "vault/history.h"
#include "vault/png.h"
#include "vault/secret.h"

PIXEEN_API pixeen_status pixeen_image_save(pixeen_image *image, int index, const pixeen_image_save_desc *desc) {
    error_clear();
    if (!image || !desc || (!desc->path && !desc->history))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "save: image, descriptor or path is NULL");
    pixeen_context *ctx = image->ctx;
    pixeen_status status = api_check_reserved(desc->reserved, sizeof desc->reserved / sizeof desc->reserved[0], "save");
    if (status == PIXEEN_OK && desc->seal)
        status = api_check_reserved(desc->seal->reserved, sizeof desc->seal->reserved / sizeof desc->seal->reserved[0], "save: seal");
    if (status == PIXEEN_OK && desc->params)
        status = api_check_reserved(desc->params->reserved, sizeof desc->params->reserved / sizeof desc->params->reserved[0],
                                    "save: params");
    const txt2img_result *r = &image->result;
    if (status == PIXEEN_OK && (index < 0 || index >= r->batch))
        status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "save: index %d (the batch has %d)", index, r->batch);
    if (status != PIXEEN_OK) return api_finish(ctx, status);
    size_t pixels = (size_t)r->width * r->height;
    vault_secret *rgba = NULL, *rgb = NULL, *text = NULL, *png = NULL;
    status = vault_init();
    if (status == PIXEEN_OK) status = vault_secret_create(pixels * 4, &rgba);
    if (status == PIXEEN_OK) status = vault_secret_create(pixels * 3, &rgb);
    if (status == PIXEEN_OK)
        status = gpu_buffer_download(ctx->gpu, r->rgba, pixels * 4 * (size_t)index, rgba->data, pixels * 4);
    if (status == PIXEEN_OK) {
        for (size_t i = 0; i < pixels; i++) memcpy(rgb->data + 3 * i, rgba->data + 4 * i, 3);
        rgba->len = pixels * 4;
        rgb->len = pixels * 3;
        if (desc->params) status = vault_params_format(desc->params, &text);
    }
    if (status == PIXEEN_OK)
        status = vault_png_encode(rgb->data, r->width, r->height, text ? (const char *)text->data : NULL, &png);
    if (status == PIXEEN_OK && desc->path)
        status = desc->seal ? vault_seal_file(desc->seal, png->data, png->len, desc->path)
                            : vault_file_write_atomic(desc->path, png->data, png->len, desc->force);
    char id[PIXEEN_HISTORY_ID_SIZE];
    if (status == PIXEEN_OK && desc->history) status = vault_history_add(png->data, png->len, NULL, id);
    vault_secret_destroy(rgba);
    vault_secret_destroy(rgb);
    vault_secret_destroy(text);
    vault_secret_destroy(png);
    return api_finish(ctx, status);
}
