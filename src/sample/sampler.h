/* sampler.h — samplers as a plan of per-step scalars (struct sampler_step, ops/abi/sampler_step.h:
 * shared with the GPU step kernels), computed on the host before the loop.
 *
 * Every supported sampler is one generic update. With m = the model output after classifier-free
 * guidance (epsilon, or v for v-prediction models) and x the latents in the sampler's domain:
 *
 *     unet_input = c_in * x                                   (scale_model_input)
 *     denoised   = dn_x * x + dn_eps * m                      (the x0 prediction)
 *     x_next     = a * x + b * denoised + c * prev_denoised + d * noise
 *
 * prev_denoised is the previous step's denoised (DPM++ 2M's history); noise is one standard normal
 * tensor of the latent shape drawn for the step (flag SAMPLER_STEP_DRAW_NOISE).
 *
 * Samplers and their domain (the latents each keeps, chosen to equal diffusers 0.25's, so
 * intermediate latents compare directly with its dumps):
 *   EULER      EulerDiscreteScheduler: x = x0 + sigma*eps ("VE"); c_in = 1/sqrt(sigma^2+1);
 *              x_next = x + (x - D)/sigma * (sigma_next - sigma). No churn (s_churn = 0).
 *   EULER_A    EulerAncestralDiscreteScheduler: as Euler to sigma_down, plus sigma_up * noise.
 *   DPMPP_2M   DPMSolverMultistepScheduler (dpmsolver++, order 2, midpoint): x = alpha*x0 +
 *              sigma_vp*eps ("VP"); c_in = 1; first order at the first step and at the last (to
 *              sigma 0, as k-diffusion / ComfyUI / AUTOMATIC1111), second order between.
 *   DDIM       DDIMScheduler (VP), eta from the descriptor (0: deterministic); the previous
 *              timestep is t - num_train_timesteps // steps, as diffusers 0.25 computes it, and
 *              the run ends at the "final" alpha (alphas_cumprod[0] unless set_alpha_to_one), so
 *              the plan's last sigma_next is sigma_min (0.029 for SD), not 0.
 *   LCM        LCMScheduler (VP): denoised with the consistency boundary scalings (c_skip,
 *              c_out at timestep * timestep_scaling, sigma_data 0.5), then re-noised to the next
 *              timestep with fresh noise (not after the last step).
 * Initial latents = init_sigma * randn(latent shape): Euler/Euler a take sigma_max for linspace
 * and trailing spacing, sqrt(sigma_max^2 + 1) for leading (diffusers' rule; 14.6146 for SD
 * defaults); DPM++, DDIM and LCM take 1.
 *
 * Noise draws (for RNG-stream compatibility with diffusers, which uses one generator for the
 * initial latents and all step noise): EULER draws one randn per step and ignores it (d = 0);
 * EULER_A draws one per step after the UNet, including the last (where sigma_up = 0); LCM draws
 * one per step except the last; DDIM only when eta > 0; DPM++ 2M never.
 *
 * Usage (what the pipeline does; n = latent element count):
 *
 *     schedule_config cfg;  schedule_config_parse(json, len, &cfg);   // model's scheduler config
 *     schedule_table table; schedule_table_create(&cfg, &table);
 *     sampler_plan *plan;   sampler_plan_create(&cfg, &table,
 *                               &(sampler_desc){.kind = SAMPLER_EULER_A, .steps = 20}, &plan);
 *     rng r; rng_init(&r, RNG_TORCH_CPU, seed);
 *     rng_randn(&r, x, n);  x[i] *= plan->init_sigma;            // initial latents, uploaded once
 *     for (s = 0; s < plan->steps; s++) {                         // GPU: one replayed command buffer
 *         m = guidance(unet(plan->step[s].c_in * x, plan->step[s].timestep));
 *         if (plan->step[s].flags & SAMPLER_STEP_DRAW_NOISE) rng_randn(&r, noise, n);
 *         ref_sampler_step(&plan->step[s], x, m, prev, noise, x, n); // ops/reference_sampler_step.h
 *     }
 *
 * Entry points: sampler_plan_create, sampler_plan_destroy, sampler_kind_parse, sampler_kind_name.
 */
#ifndef PIXEEN_SAMPLE_SAMPLER_H
#define PIXEEN_SAMPLE_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "ops/abi/sampler_step.h" /* struct sampler_step: shared with the step kernels */
#include "sample/schedule.h"

typedef enum sampler_kind {
    SAMPLER_EULER = 0,
    SAMPLER_EULER_A = 1,
    SAMPLER_DPMPP_2M = 2,
    SAMPLER_DDIM = 3,
    SAMPLER_LCM = 4,
} sampler_kind;

typedef enum sampler_karras {
    SAMPLER_KARRAS_DEFAULT = 0, /* the scheduler config's use_karras_sigmas */
    SAMPLER_KARRAS_ON = 1,
    SAMPLER_KARRAS_OFF = 2,
} sampler_karras;

typedef struct sampler_desc {
    sampler_kind kind;    /* EULER */
    int steps;            /* 0 means 20 */
    sampler_karras karras;/* DEFAULT: follow the config; Euler, Euler a and DPM++ 2M only */
    float eta;            /* DDIM only: 0 (deterministic) .. 1 (DDPM-like) */
} sampler_desc;

typedef struct sampler_plan {
    sampler_kind kind;
    schedule_prediction prediction; /* what the model outputs (epsilon or v) */
    int steps;                      /* number of UNet evaluations (may exceed desc.steps where
                                       diffusers' trailing spacing does; see schedule.h) */
    float init_sigma;               /* initial latents = init_sigma * randn */
    schedule sched;                 /* the timesteps and sigmas behind the plan */
    sampler_step step[SCHEDULE_MAX_STEPS]; /* [steps] */
} sampler_plan;

/* Computes the whole plan (allocates it: ~90 KB). The config gives prediction type, spacing and
 * Karras default; the table is schedule_table_create's for the same config. */
pixeen_status sampler_plan_create(const schedule_config *cfg, const schedule_table *table,
                                  const sampler_desc *desc, sampler_plan **out);
void sampler_plan_destroy(sampler_plan *plan);

/* "euler", "euler_a", "dpmpp_2m", "ddim", "lcm" (also "euler-a", "dpm++2m", "dpmpp2m"). */
pixeen_status sampler_kind_parse(const char *name, sampler_kind *out);
const char *sampler_kind_name(sampler_kind kind);

#endif
