/* sampler.c — builds each sampler's per-step scalars (see sampler.h for the generic update and
 * the domains) and the float reference of one step.
 *
 * Derivations (sigma = k-diffusion noise level; for a VP sampler alpha = 1/sqrt(sigma^2+1),
 * sigma_vp = sigma * alpha, and the latents are x_vp = alpha * x_ve):
 *  Euler     x' = x + (x - D)/s * (s' - s)              => a = s'/s, b = 1 - s'/s
 *  Euler a   s_up = sqrt(s'^2 (s^2 - s'^2) / s^2), s_down = sqrt(s'^2 - s_up^2)
 *            x' = x + (x - D)/s * (s_down - s) + s_up*n => a = s_down/s, b = 1 - a, d = s_up
 *  DPM++ 2M  lambda = log(alpha) - log(sigma_vp) = -log s, h = lambda' - lambda, exp(-h) = s'/s
 *            first order:  x' = (sigma_vp'/sigma_vp) x - alpha' (exp(-h) - 1) D
 *            second order: D -> (1 + 1/(2 r)) D - 1/(2 r) D_prev, r = h_prev / h
 *            (diffusers' midpoint form D0 + 0.5 * (D0 - D1) / r0, identical algebra)
 *            epsilon: D = (x - sigma_vp m)/alpha  => dn_x = sqrt(s^2+1), dn_eps = -s
 *  DDIM      x' = sqrt(A') D + k (x - sqrt(A) D)/sqrt(1-A) + std*n, k = sqrt(1 - A' - std^2)
 *            (A = alphas_cumprod[t]; eps recomputed from x and D equals the model's eps)
 *  LCM       D = c_out * x0 + c_skip * x; x' = sqrt(A') D + sqrt(1-A') n (last step: x' = D)
 *  v-prediction: x0 = alpha x_vp - sigma_vp v (for Euler's VE latents: x/(s^2+1) - s/sqrt(s^2+1) v).
 * Scalars are computed in double and rounded once; diffusers rounds each float32 operation, so
 * the plans agree with it to ~1e-7 relative, far inside the pipelines' tolerances.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample/sampler.h"

/* Default inference steps when the descriptor says 0 (diffusers' and A1111's usual 20). */
#define SAMPLER_DEFAULT_STEPS 20
/* LCM's sigma_data (LCMScheduler's constant) for the boundary-condition scalings. */
#define LCM_SIGMA_DATA 0.5

static schedule_family family_of(sampler_kind kind) {
    switch (kind) {
    case SAMPLER_EULER:
    case SAMPLER_EULER_A: return SCHEDULE_EULER;
    case SAMPLER_DPMPP_2M: return SCHEDULE_DPM;
    case SAMPLER_DDIM: return SCHEDULE_DDIM;
    case SAMPLER_LCM: return SCHEDULE_LCM;
    }
    return SCHEDULE_EULER;
}

/* denoised = dn_x * x + dn_eps * m for VP latents at cumulative alpha A. */
static void vp_denoise(schedule_prediction pred, double A, double *dn_x, double *dn_eps) {
    if (pred == SCHEDULE_PREDICT_V) {
        *dn_x = sqrt(A);
        *dn_eps = -sqrt(1.0 - A);
    } else {
        *dn_x = 1.0 / sqrt(A);
        *dn_eps = -sqrt(1.0 - A) / sqrt(A);
    }
}

static void plan_euler(sampler_plan *p, const schedule_config *cfg, int ancestral) {
    for (int i = 0; i < p->steps; i++) {
        sampler_step *st = &p->step[i];
        double s = p->sched.sigmas[i], sn = p->sched.sigmas[i + 1];
        st->c_in = (float)(1.0 / sqrt(s * s + 1.0));
        if (cfg->prediction == SCHEDULE_PREDICT_V) {
            st->dn_x = (float)(1.0 / (s * s + 1.0));
            st->dn_eps = (float)(-s / sqrt(s * s + 1.0));
        } else {
            st->dn_x = 1.0f;
            st->dn_eps = (float)-s;
        }
        double target = sn;
        if (ancestral) {
            double up = sqrt(sn * sn * (s * s - sn * sn) / (s * s));
            double down2 = sn * sn - up * up;
            target = sqrt(down2 > 0 ? down2 : 0.0);
            st->d = (float)up;
        }
        st->a = (float)(target / s);
        st->b = (float)(1.0 - target / s);
        /* diffusers draws a randn every Euler step too (and multiplies it by s_churn's 0). */
        st->flags = SAMPLER_STEP_DRAW_NOISE;
    }
}

static void plan_dpmpp_2m(sampler_plan *p, const schedule_config *cfg) {
    for (int i = 0; i < p->steps; i++) {
        sampler_step *st = &p->step[i];
        double s = p->sched.sigmas[i], sn = p->sched.sigmas[i + 1];
        double alpha_s = 1.0 / sqrt(s * s + 1.0), alpha_t = 1.0 / sqrt(sn * sn + 1.0);
        st->c_in = 1.0f;
        double dn_x, dn_eps;
        vp_denoise(cfg->prediction, alpha_s * alpha_s, &dn_x, &dn_eps);
        st->dn_x = (float)dn_x;
        st->dn_eps = (float)dn_eps;
        /* alpha_t * (1 - exp(-h)) with exp(-h) = sn / s: finite even when sn = 0. */
        double phi = alpha_t * (1.0 - sn / s);
        st->a = (float)((sn * alpha_t) / (s * alpha_s));
        int second_order = i > 0 && sn > 0.0 && s != sn;
        if (second_order) {
            double s_prev = p->sched.sigmas[i - 1];
            double h = log(s / sn), h_prev = log(s_prev / s);
            double r = h_prev / h;
            st->b = (float)(phi * (1.0 + 1.0 / (2.0 * r)));
            st->c = (float)(-phi / (2.0 * r));
            st->flags |= SAMPLER_STEP_USE_PREV;
        } else {
            st->b = (float)phi;
        }
        if (i + 1 < p->steps) st->flags |= SAMPLER_STEP_KEEP_DENOISED;
    }
}

static void plan_ddim(sampler_plan *p, const schedule_config *cfg, const schedule_table *table,
                      double eta, int requested_steps) {
    int ratio = table->count / requested_steps;
    for (int i = 0; i < p->steps; i++) {
        sampler_step *st = &p->step[i];
        int t = (int)p->sched.timesteps[i];
        double A = schedule_table_alpha(table, cfg, t);
        double Ap = schedule_table_alpha(table, cfg, t - ratio);
        st->c_in = 1.0f;
        double dn_x, dn_eps;
        vp_denoise(cfg->prediction, A, &dn_x, &dn_eps);
        st->dn_x = (float)dn_x;
        st->dn_eps = (float)dn_eps;
        double variance = (1.0 - Ap) / (1.0 - A) * (1.0 - A / Ap);
        double std = eta * sqrt(variance > 0 ? variance : 0.0);
        double k2 = 1.0 - Ap - std * std;
        double k = sqrt(k2 > 0 ? k2 : 0.0);
        st->a = (float)(k / sqrt(1.0 - A));
        st->b = (float)(sqrt(Ap) - k * sqrt(A) / sqrt(1.0 - A));
        st->d = (float)std;
        if (eta > 0) st->flags |= SAMPLER_STEP_DRAW_NOISE;
        p->sched.sigmas[i + 1] = (float)sqrt((1.0 - Ap) / Ap);
    }
    /* Whatever the grid, the run ends at the final alpha: sigma 0 only when it is 1. */
}

static void plan_lcm(sampler_plan *p, const schedule_config *cfg, const schedule_table *table) {
    for (int i = 0; i < p->steps; i++) {
        sampler_step *st = &p->step[i];
        int t = (int)p->sched.timesteps[i];
        int last = i + 1 == p->steps;
        int t_prev = last ? t : (int)p->sched.timesteps[i + 1];
        double A = schedule_table_alpha(table, cfg, t);
        double Ap = schedule_table_alpha(table, cfg, t_prev);
        double scaled = t * cfg->timestep_scaling;
        double sd2 = LCM_SIGMA_DATA * LCM_SIGMA_DATA;
        double c_skip = sd2 / (scaled * scaled + sd2);
        double c_out = scaled / sqrt(scaled * scaled + sd2);
        double x0_x, x0_m;
        vp_denoise(cfg->prediction, A, &x0_x, &x0_m);
        st->c_in = 1.0f;
        st->dn_x = (float)(c_out * x0_x + c_skip);
        st->dn_eps = (float)(c_out * x0_m);
        if (last) {
            st->b = 1.0f;
            p->sched.sigmas[i + 1] = 0.0f;
        } else {
            st->b = (float)sqrt(Ap);
            st->d = (float)sqrt(1.0 - Ap);
            st->flags = SAMPLER_STEP_DRAW_NOISE;
        }
    }
}

pixeen_status sampler_plan_create(const schedule_config *cfg, const schedule_table *table,
                                  const sampler_desc *desc, sampler_plan **out) {
    if (!cfg || !table || !desc || !out)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "sampler: plan: NULL argument");
    *out = NULL;
    if ((unsigned)desc->kind > SAMPLER_LCM)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "sampler: unknown sampler %d", (int)desc->kind);
    if (!(desc->eta >= 0.0f && desc->eta <= 1.0f))
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "sampler: eta %g (expected 0..1)", desc->eta);
    if (desc->eta > 0.0f && desc->kind != SAMPLER_DDIM)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "sampler: eta is a DDIM setting (sampler %s)",
                         sampler_kind_name(desc->kind));
    int steps = desc->steps ? desc->steps : SAMPLER_DEFAULT_STEPS;
    int karras = desc->karras == SAMPLER_KARRAS_ON ||
                 (desc->karras == SAMPLER_KARRAS_DEFAULT && cfg->use_karras_sigmas);
    if (karras && (desc->kind == SAMPLER_DDIM || desc->kind == SAMPLER_LCM)) {
        if (desc->karras == SAMPLER_KARRAS_ON)
            return error_set(PIXEEN_ERROR_UNSUPPORTED, "sampler: Karras sigmas with %s (expected "
                             "euler, euler_a or dpmpp_2m)", sampler_kind_name(desc->kind));
        karras = 0; /* a config default that this scheduler ignores in diffusers too */
    }
    sampler_plan *p = calloc(1, sizeof *p);
    if (!p) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "sampler: plan");
    pixeen_status st = schedule_compute(table, cfg, family_of(desc->kind), steps, karras, &p->sched);
    if (st != PIXEEN_OK) {
        free(p);
        return st;
    }
    p->kind = desc->kind;
    p->prediction = cfg->prediction;
    p->steps = p->sched.steps;
    switch (desc->kind) {
    case SAMPLER_EULER:
    case SAMPLER_EULER_A: {
        plan_euler(p, cfg, desc->kind == SAMPLER_EULER_A);
        float max_sigma = p->sched.sigmas[0];
        for (int i = 1; i < p->steps; i++) max_sigma = fmaxf(max_sigma, p->sched.sigmas[i]);
        schedule_spacing sp = cfg->timestep_spacing;
        int sigma_only = sp == SCHEDULE_SPACING_DEFAULT || sp == SCHEDULE_SPACING_LINSPACE ||
                         sp == SCHEDULE_SPACING_TRAILING;
        p->init_sigma = sigma_only ? max_sigma : (float)sqrt((double)max_sigma * max_sigma + 1.0);
        break;
    }
    case SAMPLER_DPMPP_2M:
        plan_dpmpp_2m(p, cfg);
        p->init_sigma = 1.0f;
        break;
    case SAMPLER_DDIM:
        plan_ddim(p, cfg, table, desc->eta, steps);
        p->init_sigma = 1.0f;
        break;
    case SAMPLER_LCM:
        plan_lcm(p, cfg, table);
        p->init_sigma = 1.0f;
        break;
    }
    for (int i = 0; i < p->steps; i++) {
        p->step[i].timestep = p->sched.timesteps[i];
        p->step[i].sigma = p->sched.sigmas[i];
        p->step[i].sigma_next = p->sched.sigmas[i + 1];
        p->step[i].index = (uint32_t)i;
    }
    *out = p;
    return PIXEEN_OK;
}

void sampler_plan_destroy(sampler_plan *plan) {
    free(plan);
}

pixeen_status sampler_kind_parse(const char *name, sampler_kind *out) {
    static const struct {
        const char *name;
        sampler_kind kind;
    } names[] = {
        {"euler", SAMPLER_EULER},       {"euler_a", SAMPLER_EULER_A},   {"euler-a", SAMPLER_EULER_A},
        {"dpmpp_2m", SAMPLER_DPMPP_2M}, {"dpmpp2m", SAMPLER_DPMPP_2M},  {"dpm++2m", SAMPLER_DPMPP_2M},
        {"ddim", SAMPLER_DDIM},         {"lcm", SAMPLER_LCM},
    };
    if (!name || !out) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "sampler: name is NULL");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return PIXEEN_OK;
        }
    }
    return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                     "sampler: unknown sampler '%s' (expected euler, euler_a, dpmpp_2m, ddim or lcm)", name);
}

const char *sampler_kind_name(sampler_kind kind) {
    switch (kind) {
    case SAMPLER_EULER: return "euler";
    case SAMPLER_EULER_A: return "euler_a";
    case SAMPLER_DPMPP_2M: return "dpmpp_2m";
    case SAMPLER_DDIM: return "ddim";
    case SAMPLER_LCM: return "lcm";
    }
    return "unknown";
}
