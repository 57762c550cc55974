/* cli_save.c — how `pixeen generate` writes its images: encrypted with --save (to recipients or a
 * passphrase), plaintext only with --save-plain, into the history with --history. For a batch,
 * image i > 0 goes to NAME-i.EXT. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "out.png.age", 2 -> "out-2.png.age": the index goes before the first dot of the file name. */
static void indexed_path(const char *path, int index, char *buf, size_t size) {
    if (index == 0) {
        snprintf(buf, size, "%s", path);
        return;
    }
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    const char *dot = strchr(name, '.');
    if (!dot) {
        snprintf(buf, size, "%s-%d", path, index);
        return;
    }
    snprintf(buf, size, "%.*s-%d%s", (int)(dot - path), path, index, dot);
}

static const char *a1111_sampler_name(pixeen_sampler s) {
    switch (s) {
    case PIXEEN_SAMPLER_EULER: return "Euler";
    case PIXEEN_SAMPLER_DDIM: return "DDIM";
    case PIXEEN_SAMPLER_DPMPP_2M: return "DPM++ 2M";
    case PIXEEN_SAMPLER_LCM: return "LCM";
    default: return "Euler a";
    }
}

int cli_save_image(pixeen_image *image, const cli_save_options *o) {
    pixeen_image_info info;
    pixeen_image_get_info(image, &info);
    const char *model_name = strrchr(o->model_path, '/');
    model_name = model_name && model_name[1] ? model_name + 1 : o->model_path;
    char sampler[32];
    snprintf(sampler, sizeof sampler, "%s%s", a1111_sampler_name(o->desc->sampler),
             o->desc->schedule == PIXEEN_SCHEDULE_KARRAS ? " Karras" : "");
    pixeen_generation_params params = {
        .prompt = o->desc->prompt,
        .negative_prompt = o->desc->negative_prompt,
        .steps = o->desc->steps ? o->desc->steps : 20,
        .sampler = sampler,
        .cfg_scale = o->desc->guidance ? o->desc->guidance : 7.5f,
        .width = info.width,
        .height = info.height,
        .model_name = model_name,
        /* img2img / inpainting: AUTOMATIC1111's "Denoising strength" */
        .denoising_strength = o->desc->edit ? (o->desc->edit->strength ? o->desc->edit->strength : 0.75f) : 0.0f,
    };
    const pixeen_hires_desc *hires = o->desc->more ? o->desc->more->hires : NULL;
    if (hires) { /* A1111: Size is the first pass's; the hires keys as calculate_target_resolution writes them */
        params.width = o->first_width;
        params.height = o->first_height;
        params.denoising_strength = hires->strength ? hires->strength : 0.7f;
        params.hires_resize_width = hires->width;
        params.hires_resize_height = hires->height;
        params.hires_scale = hires->width || hires->height ? 0.0f : hires->scale ? hires->scale : 2.0f;
        params.hires_steps = hires->steps;
        params.hires_upscaler = hires->upscaler;
    }
    pixeen_seal_desc seal = {
        .recipients = o->recipients,
        .recipient_count = o->recipient_count,
        .recipients_file = o->recipients_file,
        .armor = o->armor,
        .force = o->force,
        .passphrase = o->passphrase,
    };
    int rc = 0;
    for (int i = 0; i < info.count && rc == 0; i++) {
        /* A batch is drawn from one generator, as diffusers and ComfyUI do: every image of it is
         * reproduced by the same seed and batch size (not seed + i as in AUTOMATIC1111). */
        params.seed = (uint64_t)info.seed;
        char path[4096];
        pixeen_image_save_desc d = {.params = o->no_metadata ? NULL : &params, .force = o->force};
        if (o->save) {
            indexed_path(o->save, i, path, sizeof path);
            d.path = path;
            d.seal = &seal;
            d.history = o->history;
            pixeen_status st = pixeen_image_save(image, i, &d);
            if (st != PIXEEN_OK) rc = cli_fail(st, "cannot save the image");
            else if (!o->quiet) fprintf(stderr, "saved (encrypted) %s\n", path);
        } else if (o->history) {
            d.history = 1;
            pixeen_status st = pixeen_image_save(image, i, &d);
            if (st != PIXEEN_OK) rc = cli_fail(st, "cannot add the image to the history");
        }
        if (rc == 0 && o->save_plain) {
            indexed_path(o->save_plain, i, path, sizeof path);
            pixeen_image_save_desc plain = {.path = path, .params = d.params, .force = o->force};
            pixeen_status st = pixeen_image_save(image, i, &plain);
            if (st != PIXEEN_OK) rc = cli_fail(st, "cannot export the image");
            else if (!o->quiet) fprintf(stderr, "saved (plaintext, as asked) %s\n", path);
        }
    }
    return rc;
}
