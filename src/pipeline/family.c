/* family.c — the families' descriptions (see family.h). Preview factors are ComfyUI's
 * latent_rgb_factors (latent_formats.py): SD 1.x and SD 2.x share the VAE; SDXL's has its own. */
#include "pipeline/family.h"

static const family_desc families[] = {
    {
        .id = MODEL_FAMILY_SD1,
        .name = "SD 1.x",
        .encoder_count = 1,
        .encoders = {{MODEL_TEXT_ENCODER, false, FAMILY_CONTEXT_FINAL_NORM, false}},
        .preview_factors = {{0.3512f, 0.2297f, 0.3227f},
                            {0.3250f, 0.4974f, 0.2350f},
                            {-0.2829f, 0.1762f, 0.2721f},
                            {-0.2120f, -0.2616f, -0.7177f}},
        .single_file_prediction = SCHEDULE_PREDICT_EPSILON,
    },
    {
        .id = MODEL_FAMILY_SD2,
        .name = "SD 2.x",
        .encoders = {{MODEL_TEXT_ENCODER, true, FAMILY_CONTEXT_FINAL_NORM, false}},
        .encoder_count = 1,
        .preview_factors = {{0.3512f, 0.2297f, 0.3227f},
                            {0.3250f, 0.4974f, 0.2350f},
                            {-0.2829f, 0.1762f, 0.2721f},
                            {-0.2120f, -0.2616f, -0.7177f}},
        /* SD 2.x's 768 checkpoints (2.0-v, 2.1) predict v; 512 "base" ones and SD-Turbo take
         * --prediction epsilon */
        .single_file_prediction = SCHEDULE_PREDICT_V,
    },
    {
        .id = MODEL_FAMILY_SDXL,
        .name = "SDXL",
        .encoder_count = 2,
        .encoders = {{MODEL_TEXT_ENCODER, false, FAMILY_CONTEXT_PENULTIMATE, false},
                     {MODEL_TEXT_ENCODER_2, true, FAMILY_CONTEXT_PENULTIMATE, true}},
        .added_time_ids = true,
        .zero_negative_when_absent = true,
        .vae_decode_fp32 = true,
        .preview_factors = {{0.3651f, 0.4232f, 0.4341f},
                            {-0.2533f, -0.0042f, 0.1068f},
                            {0.1076f, 0.1111f, -0.0362f},
                            {-0.3165f, -0.2492f, -0.2188f}},
        .preview_bias = {0.1084f, -0.0175f, -0.0011f},
        .single_file_prediction = SCHEDULE_PREDICT_EPSILON,
        /* SDXL base's scheduler_config.json: EulerDiscreteScheduler, "leading", steps_offset 1 */
        .single_file_spacing = SCHEDULE_SPACING_LEADING,
    },
};

const family_desc *family_get(model_family family) {
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (families[i].id == family) return &families[i];
    return NULL;
}
