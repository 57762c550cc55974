/* schedule.h — noise schedules: the model's discrete training schedule (betas -> alphas_cumprod ->
 * sigmas) and the timesteps / sigmas of an inference run, computed exactly as diffusers 0.25 does
 * for each scheduler family, including its float32 / float64 mix (so timesteps and sigmas agree
 * with diffusers to ~1e-7 relative).
 *
 *   schedule_config    the model's scheduler_config.json (diffusers keys), parsed or defaulted
 *   schedule_table     per training timestep t: alphas_cumprod[t], sigmas[t] = sqrt((1-a)/a)
 *   schedule           one run: timesteps[steps] (what the UNet is fed), sigmas[steps + 1]
 *
 * Families (which diffusers scheduler's set_timesteps is reproduced):
 *   SCHEDULE_EULER  EulerDiscreteScheduler / EulerAncestralDiscreteScheduler: float timesteps,
 *                   sigmas interpolated linearly at them; Karras sigmas from the min/max of those;
 *                   default spacing linspace.
 *   SCHEDULE_DPM    DPMSolverMultistepScheduler: integer timesteps from num_inference_steps + 1
 *                   points; Karras sigmas from the whole table's min/max, timesteps mapped back by
 *                   log-sigma interpolation and rounded; default spacing linspace.
 *   SCHEDULE_DDIM   DDIMScheduler: integer timesteps; default spacing leading.
 *   SCHEDULE_LCM    LCMScheduler: the LCM distillation grid (original_inference_steps).
 * The last sigma is 0 for every family (k-diffusion, ComfyUI, AUTOMATIC1111 and later diffusers;
 * diffusers 0.25's DPM++ stopped at the smallest sigma, whose last step is a no-op).
 *
 * rescale_betas_zero_snr: betas rescaled to zero terminal SNR, the last alphas_cumprod set to 2^-24
 * (diffusers: the first sigma stays finite, ~4096).
 * Leaves out: interpolation_type log_linear, lambda_min_clipped
 * other than -inf, use_lu_lambdas, continuous timesteps.
 * Entry points: schedule_config_default, schedule_config_parse, schedule_table_create,
 * schedule_table_destroy, schedule_compute, schedule_sigma_to_t, schedule_table_alpha.
 */
#ifndef PIXEEN_SAMPLE_SCHEDULE_H
#define PIXEEN_SAMPLE_SCHEDULE_H

#include <stddef.h>

#include "core/error.h"

typedef enum schedule_beta {
    SCHEDULE_BETA_SCALED_LINEAR = 0, /* linspace(sqrt(start), sqrt(end))^2: Stable Diffusion */
    SCHEDULE_BETA_LINEAR = 1,
    SCHEDULE_BETA_SQUAREDCOS_CAP_V2 = 2, /* the cosine schedule (Nichol & Dhariwal) */
    SCHEDULE_BETA_TRAINED = 3,           /* trained_betas given in the config */
} schedule_beta;

typedef enum schedule_spacing {
    SCHEDULE_SPACING_DEFAULT = 0, /* the family's diffusers default (see above) */
    SCHEDULE_SPACING_LINSPACE = 1,
    SCHEDULE_SPACING_LEADING = 2,
    SCHEDULE_SPACING_TRAILING = 3,
} schedule_spacing;

typedef enum schedule_prediction {
    SCHEDULE_PREDICT_EPSILON = 0,
    SCHEDULE_PREDICT_V = 1, /* v_prediction (SD 2.x 768) */
} schedule_prediction;

typedef enum schedule_family {
    SCHEDULE_EULER = 0,
    SCHEDULE_DPM = 1,
    SCHEDULE_DDIM = 2,
    SCHEDULE_LCM = 3,
} schedule_family;

/* The largest training schedule accepted (SD uses 1000; the limit bounds allocation from a
 * malformed config). Inference runs are limited to as many steps. */
#define SCHEDULE_MAX_TRAIN_TIMESTEPS 100000
#define SCHEDULE_MAX_STEPS 1000

typedef struct schedule_config {
    int num_train_timesteps;          /* 1000 */
    double beta_start;                /* 0.00085 */
    double beta_end;                  /* 0.012 */
    schedule_beta beta_schedule;      /* scaled_linear */
    float *trained_betas;             /* owned (free with schedule_config_clear); NULL unless TRAINED */
    schedule_spacing timestep_spacing;/* DEFAULT: the family's own */
    int steps_offset;                 /* 1 for SD configs; 0 when absent (diffusers' default) */
    int set_alpha_to_one;             /* 0 for SD: DDIM's final alpha is alphas_cumprod[0] */
    schedule_prediction prediction;   /* epsilon */
    int use_karras_sigmas;            /* 0 */
    int rescale_betas_zero_snr;       /* 0 */
    int original_inference_steps;     /* LCM: 50 */
    double timestep_scaling;          /* LCM: 10.0 */
} schedule_config;

typedef struct schedule_table {
    int count;              /* num_train_timesteps */
    float *alphas_cumprod;  /* [count], float32 as torch.cumprod gives it */
    float *sigmas;          /* [count], ascending in t: sqrt((1 - a) / a) in float32 */
    float *log_sigmas;      /* [count], float32 */
} schedule_table;

typedef struct schedule {
    int steps;                               /* how many UNet evaluations */
    float timesteps[SCHEDULE_MAX_STEPS];     /* [steps]: the timestep fed to the UNet */
    float sigmas[SCHEDULE_MAX_STEPS + 1];    /* [steps + 1]: noise level before each step, then 0 */
    int karras;                              /* sigmas follow Karras et al. (rho 7) */
} schedule;

/* Stable Diffusion 1.x/2.x defaults (the values above). */
void schedule_config_default(schedule_config *cfg);

/* Parses a diffusers scheduler_config.json (`len` bytes; need not be NUL-terminated). Keys that
 * are absent keep the defaults above, except steps_offset (0, diffusers' default when absent).
 * Unknown beta schedules, spacings or prediction types and values out of range are
 * PIXEEN_ERROR_FORMAT / UNSUPPORTED with the key named. */
pixeen_status schedule_config_parse(const char *json, size_t len, schedule_config *cfg);

/* Frees trained_betas. */
void schedule_config_clear(schedule_config *cfg);

/* Builds the training table. Free with schedule_table_destroy (NULL-safe members). */
pixeen_status schedule_table_create(const schedule_config *cfg, schedule_table *table);
void schedule_table_destroy(schedule_table *table);

/* The inference schedule of `steps` steps for `family`; `karras` (0/1) replaces the sigmas by
 * Karras sigmas (Euler and DPM families only). May return more steps than asked exactly where
 * diffusers does (trailing spacing with numpy's arange length rounding, e.g. 61 -> 62). */
pixeen_status schedule_compute(const schedule_table *table, const schedule_config *cfg,
                               schedule_family family, int steps, int karras, schedule *out);

/* diffusers' _sigma_to_t: the fractional timestep whose log-sigma interpolates `sigma`. */
double schedule_sigma_to_t(const schedule_table *table, double sigma);

/* alphas_cumprod at integer timestep t; t < 0 gives the "final" alpha (1 if set_alpha_to_one,
 * else alphas_cumprod[0]), as DDIM/LCM use it. */
float schedule_table_alpha(const schedule_table *table, const schedule_config *cfg, int t);

#endif
