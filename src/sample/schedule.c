/* schedule.c — training tables and inference schedules, reproducing diffusers 0.25 (see
 * schedule.h for the contract). What makes the numbers agree to the last bits:
 *  - betas come from torch.linspace in float32, whose CPU kernel computes the first half from the
 *    start and the second half from the end, 8 lanes at a time (base + i*step per lane, fused)
 *    with a scalar tail; emulated here for the AVX2 build torch ships. scaled_linear squares in
 *    float.
 *  - alphas = 1 - betas in float; torch.cumprod accumulates in double and rounds each output.
 *  - sigmas = ((1 - a) / a) ** 0.5 in float32 (torch), then numpy: np.interp in double, Karras in
 *    double, log-sigmas in float32, numpy's linspace/arange formulas, round half to even.
 * sigma(t=0) = sqrt(beta_0 / (1 - beta_0)) is ~600x more sensitive to one ulp of alpha than the
 * sigma itself, so none of this is optional at a 1e-6 relative tolerance.
 * Entry points: see schedule.h.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "sample/schedule.h"

/* torch's Vectorized<float>::size() on AVX2; its vectorised loop takes two vectors at a time. */
#define TORCH_VEC 8

void schedule_config_default(schedule_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->num_train_timesteps = 1000;
    cfg->beta_start = 0.00085;
    cfg->beta_end = 0.012;
    cfg->beta_schedule = SCHEDULE_BETA_SCALED_LINEAR;
    cfg->timestep_spacing = SCHEDULE_SPACING_DEFAULT;
    cfg->steps_offset = 0;
    cfg->prediction = SCHEDULE_PREDICT_EPSILON;
    cfg->original_inference_steps = 50; /* LCMScheduler default */
    cfg->timestep_scaling = 10.0;       /* LCMScheduler default */
}

void schedule_config_clear(schedule_config *cfg) {
    if (!cfg) return;
    free(cfg->trained_betas);
    cfg->trained_betas = NULL;
}

/* ---- config parsing ---------------------------------------------------------------------- */

static int json_string_is(const cJSON *item, const char *value) {
    return cJSON_IsString(item) && strcmp(item->valuestring, value) == 0;
}

static pixeen_status parse_int(const cJSON *root, const char *key, int lo, int hi, int *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        item->valuedouble < lo || item->valuedouble > hi)
        return error_set(PIXEEN_ERROR_FORMAT,
                         "schedule: config key '%s' is not an integer in [%d, %d]", key, lo, hi);
    *out = (int)item->valuedouble;
    return PIXEEN_OK;
}

static pixeen_status parse_double(const cJSON *root, const char *key, double lo, double hi,
                                  double *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= lo && item->valuedouble <= hi))
        return error_set(PIXEEN_ERROR_FORMAT, "schedule: config key '%s' is not a number in [%g, %g]",
                         key, lo, hi);
    *out = item->valuedouble;
    return PIXEEN_OK;
}

static pixeen_status parse_bool(const cJSON *root, const char *key, int *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!item || cJSON_IsNull(item)) return PIXEEN_OK;
    if (!cJSON_IsBool(item))
        return error_set(PIXEEN_ERROR_FORMAT, "schedule: config key '%s' is not true/false", key);
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return PIXEEN_OK;
}

static pixeen_status parse_config(const cJSON *root, schedule_config *cfg) {
    if (!cJSON_IsObject(root))
        return error_set(PIXEEN_ERROR_FORMAT, "schedule: config is not a JSON object");
    PX_TRY(parse_int(root, "num_train_timesteps", 2, SCHEDULE_MAX_TRAIN_TIMESTEPS,
                     &cfg->num_train_timesteps));
    /* betas are probabilities: (0, 1). */
    PX_TRY(parse_double(root, "beta_start", 1e-12, 0.999999, &cfg->beta_start));
    PX_TRY(parse_double(root, "beta_end", 1e-12, 0.999999, &cfg->beta_end));
    PX_TRY(parse_int(root, "steps_offset", 0, 1000, &cfg->steps_offset));
    PX_TRY(parse_bool(root, "set_alpha_to_one", &cfg->set_alpha_to_one));
    PX_TRY(parse_bool(root, "use_karras_sigmas", &cfg->use_karras_sigmas));
    PX_TRY(parse_int(root, "original_inference_steps", 1, SCHEDULE_MAX_TRAIN_TIMESTEPS,
                     &cfg->original_inference_steps));
    PX_TRY(parse_double(root, "timestep_scaling", 0.0, 1e6, &cfg->timestep_scaling));

    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "beta_schedule");
    if (item && !cJSON_IsNull(item)) {
        if (json_string_is(item, "scaled_linear")) cfg->beta_schedule = SCHEDULE_BETA_SCALED_LINEAR;
        else if (json_string_is(item, "linear")) cfg->beta_schedule = SCHEDULE_BETA_LINEAR;
        else if (json_string_is(item, "squaredcos_cap_v2"))
            cfg->beta_schedule = SCHEDULE_BETA_SQUAREDCOS_CAP_V2;
        else
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "schedule: beta_schedule '%s' (expected scaled_linear, linear or "
                             "squaredcos_cap_v2)", cJSON_IsString(item) ? item->valuestring : "?");
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "trained_betas");
    if (item && !cJSON_IsNull(item)) {
        int n = cJSON_GetArraySize(item);
        if (!cJSON_IsArray(item) || n != cfg->num_train_timesteps)
            return error_set(PIXEEN_ERROR_FORMAT,
                             "schedule: trained_betas has %d values (expected num_train_timesteps = %d)",
                             cJSON_IsArray(item) ? n : -1, cfg->num_train_timesteps);
        float *betas = malloc((size_t)n * sizeof *betas);
        if (!betas) return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "schedule: trained_betas");
        int i = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, item) {
            if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble < 1)) {
                free(betas);
                return error_set(PIXEEN_ERROR_FORMAT, "schedule: trained_betas[%d] is not in (0, 1)", i);
            }
            betas[i++] = (float)v->valuedouble;
        }
        free(cfg->trained_betas);
        cfg->trained_betas = betas;
        cfg->beta_schedule = SCHEDULE_BETA_TRAINED;
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "timestep_spacing");
    if (item && !cJSON_IsNull(item)) {
        if (json_string_is(item, "linspace")) cfg->timestep_spacing = SCHEDULE_SPACING_LINSPACE;
        else if (json_string_is(item, "leading")) cfg->timestep_spacing = SCHEDULE_SPACING_LEADING;
        else if (json_string_is(item, "trailing")) cfg->timestep_spacing = SCHEDULE_SPACING_TRAILING;
        else
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "schedule: timestep_spacing '%s' (expected linspace, leading or trailing)",
                             cJSON_IsString(item) ? item->valuestring : "?");
    }
    item = cJSON_GetObjectItemCaseSensitive(root, "prediction_type");
    if (item && !cJSON_IsNull(item)) {
        if (json_string_is(item, "epsilon")) cfg->prediction = SCHEDULE_PREDICT_EPSILON;
        else if (json_string_is(item, "v_prediction")) cfg->prediction = SCHEDULE_PREDICT_V;
        else
            return error_set(PIXEEN_ERROR_UNSUPPORTED,
                             "schedule: prediction_type '%s' (expected epsilon or v_prediction)",
                             cJSON_IsString(item) ? item->valuestring : "?");
    }
    PX_TRY(parse_bool(root, "rescale_betas_zero_snr", &cfg->rescale_betas_zero_snr));
    item = cJSON_GetObjectItemCaseSensitive(root, "interpolation_type");
    if (item && !cJSON_IsNull(item) && !json_string_is(item, "linear"))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "schedule: interpolation_type is not 'linear' (only linear is supported)");
    item = cJSON_GetObjectItemCaseSensitive(root, "timestep_type");
    if (item && !cJSON_IsNull(item) && !json_string_is(item, "discrete"))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "schedule: timestep_type is not 'discrete' (only discrete is supported)");
    return PIXEEN_OK;
}

pixeen_status schedule_config_parse(const char *json, size_t len, schedule_config *cfg) {
    if (!json || !cfg) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: parse: NULL argument");
    schedule_config_default(cfg);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return error_set(PIXEEN_ERROR_FORMAT, "schedule: scheduler config is not valid JSON");
    pixeen_status st = parse_config(root, cfg);
    cJSON_Delete(root);
    if (st != PIXEEN_OK) schedule_config_clear(cfg);
    return st;
}

/* ---- the training table ---------------------------------------------------------------------- */

/* torch.linspace(start, end, n, dtype=float32) on the CPU (AVX2 build): lanes of 8, the first
 * half counted from start and the second from end, a scalar tail for n % 16; the AVX2 kernel is
 * compiled with FMA and GCC's default contraction, so each `a + b * c` is one fused operation
 * (without that, SD's sigma_max comes out 1 ulp of alpha high, 1.3e-7 relative). */
static void torch_linspace_f32(float start, float end, int n, float *out) {
    if (n == 1) {
        out[0] = start;
        return;
    }
    float step = (end - start) / (float)(n - 1);
    int halfway = n / 2;
    int vec_end = n - n % (2 * TORCH_VEC);
    for (int idx = 0; idx < vec_end; idx += TORCH_VEC) {
        float base = idx < halfway ? platform_fmaf(step, (float)idx, start) : platform_fmaf(-step, (float)(n - idx - 1), end);
        for (int i = 0; i < TORCH_VEC; i++) out[idx + i] = platform_fmaf((float)i, step, base);
    }
    for (int idx = vec_end; idx < n; idx++)
        out[idx] = idx < halfway ? platform_fmaf(step, (float)idx, start) : platform_fmaf(-step, (float)(n - idx - 1), end);
}

/* diffusers' betas_for_alpha_bar with the cosine alpha-bar, in double, then float32. */
static double cosine_alpha_bar(double t) {
    double c = cos((t + 0.008) / 1.008 * 3.14159265358979323846 / 2.0); /* s = 0.008 (the paper) */
    return c * c;
}

/* diffusers' rescale_zero_terminal_snr (Lin et al. 2023, Algorithm 1), in float32 as torch runs it:
 * sqrt(alphas_cumprod) shifted so its last value is 0 and scaled so its first is unchanged, then
 * turned back into betas. */
static void rescale_zero_terminal_snr(float *betas, int n) {
    float *s = malloc((size_t)n * sizeof *s);
    if (!s) return; /* the caller's table check still runs; cannot fail for a 1000-entry table in practice */
    double cum = 1.0;
    for (int i = 0; i < n; i++) {
        cum *= (double)(1.0f - betas[i]);
        s[i] = sqrtf((float)cum);
    }
    float first = s[0], last = s[n - 1], scale = first / (first - last);
    for (int i = 0; i < n; i++) s[i] = (s[i] - last) * scale;
    float prev = 0.0f;
    for (int i = 0; i < n; i++) {
        float bar = s[i] * s[i];
        float alpha = i == 0 ? bar : bar / prev;
        betas[i] = 1.0f - alpha;
        prev = bar;
    }
    free(s);
}

pixeen_status schedule_table_create(const schedule_config *cfg, schedule_table *table) {
    if (!cfg || !table) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: table: NULL argument");
    memset(table, 0, sizeof *table);
    int n = cfg->num_train_timesteps;
    if (n < 2 || n > SCHEDULE_MAX_TRAIN_TIMESTEPS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                         "schedule: num_train_timesteps = %d (expected 2..%d)", n,
                         SCHEDULE_MAX_TRAIN_TIMESTEPS);
    float *betas = malloc((size_t)n * sizeof *betas);
    table->alphas_cumprod = malloc((size_t)n * sizeof(float));
    table->sigmas = malloc((size_t)n * sizeof(float));
    table->log_sigmas = malloc((size_t)n * sizeof(float));
    if (!betas || !table->alphas_cumprod || !table->sigmas || !table->log_sigmas) {
        free(betas);
        schedule_table_destroy(table);
        return error_set(PIXEEN_ERROR_OUT_OF_MEMORY, "schedule: table of %d timesteps", n);
    }
    table->count = n;
    switch (cfg->beta_schedule) {
    case SCHEDULE_BETA_SCALED_LINEAR:
        torch_linspace_f32((float)sqrt(cfg->beta_start), (float)sqrt(cfg->beta_end), n, betas);
        for (int i = 0; i < n; i++) betas[i] = betas[i] * betas[i];
        break;
    case SCHEDULE_BETA_LINEAR:
        torch_linspace_f32((float)cfg->beta_start, (float)cfg->beta_end, n, betas);
        break;
    case SCHEDULE_BETA_SQUAREDCOS_CAP_V2:
        for (int i = 0; i < n; i++) {
            double b = 1.0 - cosine_alpha_bar((double)(i + 1) / n) / cosine_alpha_bar((double)i / n);
            betas[i] = (float)(b < 0.999 ? b : 0.999); /* max_beta 0.999, diffusers' default */
        }
        break;
    case SCHEDULE_BETA_TRAINED:
        if (!cfg->trained_betas) {
            free(betas);
            schedule_table_destroy(table);
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: trained betas missing");
        }
        memcpy(betas, cfg->trained_betas, (size_t)n * sizeof *betas);
        break;
    default:
        free(betas);
        schedule_table_destroy(table);
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: unknown beta schedule %d",
                         (int)cfg->beta_schedule);
    }
    if (cfg->rescale_betas_zero_snr) rescale_zero_terminal_snr(betas, n);
    double cum = 1.0; /* torch.cumprod's accumulator on the CPU is double */
    for (int i = 0; i < n; i++) {
        float alpha = 1.0f - betas[i];
        cum *= (double)alpha;
        float a = (float)cum;
        /* zero terminal SNR: "close to 0 without being 0 so first sigma is not inf" (diffusers) */
        if (cfg->rescale_betas_zero_snr && i == n - 1) a = 0x1p-24f;
        table->alphas_cumprod[i] = a;
        float one_minus = 1.0f - a;
        float ratio = one_minus / a;
        table->sigmas[i] = sqrtf(ratio);
        table->log_sigmas[i] = logf(table->sigmas[i]);
    }
    free(betas);
    if (!(table->alphas_cumprod[n - 1] > 0.0f) || !(table->sigmas[0] > 0.0f)) {
        schedule_table_destroy(table);
        return error_set(PIXEEN_ERROR_FORMAT,
                         "schedule: degenerate noise schedule (alphas_cumprod reaches 0 or sigma_min is 0)");
    }
    return PIXEEN_OK;
}

void schedule_table_destroy(schedule_table *table) {
    if (!table) return;
    free(table->alphas_cumprod);
    free(table->sigmas);
    free(table->log_sigmas);
    memset(table, 0, sizeof *table);
}

float schedule_table_alpha(const schedule_table *table, const schedule_config *cfg, int t) {
    if (t < 0) return cfg->set_alpha_to_one ? 1.0f : table->alphas_cumprod[0];
    if (t >= table->count) t = table->count - 1;
    return table->alphas_cumprod[t];
}

/* ---- numpy's formulas -------------------------------------------------------------------- */

/* np.linspace(0, stop, num, endpoint)[i] in double. */
static double np_linspace(double stop, int num, int endpoint, int i) {
    int div = endpoint ? num - 1 : num;
    if (div <= 0) return 0.0;
    if (endpoint && i == num - 1) return stop;
    double step = stop / div;
    return (double)i * step;
}

/* np.arange(start, stop, step) for a float step: returns the length, fills out (up to max). */
static int np_arange(double start, double stop, double step, double *out, int max) {
    double len_f = ceil((stop - start) / step);
    if (!(len_f > 0)) return 0;
    if (len_f > max) return -1;
    int len = (int)len_f;
    out[0] = start;
    if (len > 1) {
        double next = start + step;
        double delta = next - start; /* numpy's fill recomputes the step from the first two */
        for (int i = 1; i < len; i++) out[i] = start + (double)i * delta;
    }
    return len;
}

/* np.interp(x, arange(n), fp) in double. */
static double np_interp(double x, const float *fp, int n) {
    if (x <= 0.0) return fp[0];
    if (x >= (double)(n - 1)) return fp[n - 1];
    int j = (int)floor(x);
    if ((double)j == x) return fp[j];
    double slope = (double)fp[j + 1] - (double)fp[j];
    return slope * (x - (double)j) + (double)fp[j];
}

double schedule_sigma_to_t(const schedule_table *table, double sigma) {
    int n = table->count;
    double log_sigma = log(sigma > 1e-10 ? sigma : 1e-10);
    /* the last index whose log-sigma is <= log_sigma (0 if none), at most n - 2 */
    int low = 0;
    for (int i = 0; i < n; i++)
        if (log_sigma - (double)table->log_sigmas[i] >= 0.0) low = i;
    if (low > n - 2) low = n - 2;
    double lo = table->log_sigmas[low], hi = table->log_sigmas[low + 1];
    double w = (lo - log_sigma) / (lo - hi);
    if (w < 0.0) w = 0.0;
    if (w > 1.0) w = 1.0;
    return (1.0 - w) * low + w * (low + 1);
}

/* _convert_to_karras: rho = 7 (Karras et al. 2022), ramp = np.linspace(0, 1, steps). */
static void karras_sigmas(double sigma_min, double sigma_max, int steps, double *out) {
    const double rho = 7.0;
    double min_inv = pow(sigma_min, 1.0 / rho);
    double max_inv = pow(sigma_max, 1.0 / rho);
    for (int i = 0; i < steps; i++) {
        double ramp = np_linspace(1.0, steps, 1, i);
        out[i] = pow(max_inv + ramp * (min_inv - max_inv), rho);
    }
}

static schedule_spacing family_default_spacing(schedule_family family) {
    return (family == SCHEDULE_DDIM || family == SCHEDULE_LCM) ? SCHEDULE_SPACING_LEADING
                                                               : SCHEDULE_SPACING_LINSPACE;
}

/* Integer timestep grids shared by DPM (points = steps + 1, last dropped) and DDIM
 * (points = steps). Writes descending timesteps as doubles; returns the count or -1. */
static int integer_timesteps(schedule_spacing spacing, int n_train, int points, int drop_last,
                             int steps_offset, double *out) {
    int count = 0;
    if (spacing == SCHEDULE_SPACING_LINSPACE) {
        for (int i = points - 1; i >= 0; i--) out[count++] = nearbyint(np_linspace(n_train - 1, points, 1, i));
        if (drop_last) count--;
    } else if (spacing == SCHEDULE_SPACING_LEADING) {
        int ratio = n_train / points;
        for (int i = points - 1; i >= 0; i--) out[count++] = (double)i * ratio + steps_offset;
        if (drop_last) count--;
    } else { /* trailing: np.arange(N, 0, -N / steps).round() - 1, steps = points - drop_last */
        int steps = points - drop_last;
        double tmp[SCHEDULE_MAX_STEPS + 2];
        count = np_arange((double)n_train, 0.0, -((double)n_train / steps), tmp, SCHEDULE_MAX_STEPS + 1);
        if (count < 0) return -1;
        for (int i = 0; i < count; i++) out[i] = nearbyint(tmp[i]) - 1.0;
    }
    return count;
}

pixeen_status schedule_compute(const schedule_table *table, const schedule_config *cfg,
                               schedule_family family, int steps, int karras, schedule *out) {
    if (!table || !cfg || !out || !table->sigmas)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: compute: NULL argument");
    int n = table->count;
    if (steps < 1 || steps > SCHEDULE_MAX_STEPS || steps > n)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: %d steps (expected 1..%d)", steps,
                         n < SCHEDULE_MAX_STEPS ? n : SCHEDULE_MAX_STEPS);
    if (karras && (family == SCHEDULE_DDIM || family == SCHEDULE_LCM))
        return error_set(PIXEEN_ERROR_UNSUPPORTED,
                         "schedule: Karras sigmas with DDIM or LCM (only Euler and DPM++ samplers)");
    schedule_spacing spacing =
        cfg->timestep_spacing == SCHEDULE_SPACING_DEFAULT ? family_default_spacing(family) : cfg->timestep_spacing;
    memset(out, 0, sizeof *out);
    out->karras = karras ? 1 : 0;
    double t[SCHEDULE_MAX_STEPS + 2];
    double sig[SCHEDULE_MAX_STEPS + 2];
    int count = 0;

    if (family == SCHEDULE_EULER) {
        if (spacing == SCHEDULE_SPACING_LINSPACE) {
            for (int i = steps - 1; i >= 0; i--) t[count++] = (float)np_linspace(n - 1, steps, 1, i);
        } else if (spacing == SCHEDULE_SPACING_LEADING) {
            int ratio = n / steps;
            for (int i = steps - 1; i >= 0; i--) t[count++] = (float)((double)i * ratio) + (float)cfg->steps_offset;
        } else {
            double tmp[SCHEDULE_MAX_STEPS + 2];
            count = np_arange((double)n, 0.0, -((double)n / steps), tmp, SCHEDULE_MAX_STEPS);
            if (count < 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: too many steps");
            for (int i = 0; i < count; i++) t[i] = (float)nearbyint(tmp[i]) - 1.0f;
        }
        if (count < 1) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: no timesteps");
        for (int i = 0; i < count; i++) sig[i] = np_interp(t[i], table->sigmas, n);
        if (karras) {
            double ks[SCHEDULE_MAX_STEPS + 1];
            karras_sigmas(sig[count - 1], sig[0], count, ks);
            for (int i = 0; i < count; i++) {
                sig[i] = ks[i];
                t[i] = (float)schedule_sigma_to_t(table, ks[i]);
            }
        }
    } else if (family == SCHEDULE_DPM) {
        count = integer_timesteps(spacing, n, steps + 1, 1, cfg->steps_offset, t);
        if (count < 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: too many steps");
        if (karras) {
            count = steps;
            karras_sigmas(table->sigmas[0], table->sigmas[n - 1], count, sig);
            for (int i = 0; i < count; i++) t[i] = nearbyint(schedule_sigma_to_t(table, sig[i]));
        } else {
            for (int i = 0; i < count; i++) sig[i] = np_interp(t[i], table->sigmas, n);
        }
    } else if (family == SCHEDULE_DDIM) {
        count = integer_timesteps(spacing, n, steps, 0, cfg->steps_offset, t);
        if (count < 0) return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: too many steps");
        for (int i = 0; i < count; i++) sig[i] = np_interp(t[i], table->sigmas, n);
    } else if (family == SCHEDULE_LCM) {
        int original = cfg->original_inference_steps;
        int k = n / original;
        if (k < 1 || original / steps < 1 || steps > original)
            return error_set(PIXEEN_ERROR_INVALID_ARGUMENT,
                             "schedule: LCM with %d steps needs original_inference_steps (%d) >= steps",
                             steps, original);
        /* lcm_origin_timesteps = (1..original) * k - 1, reversed; indices floor(linspace(0, len,
         * steps, endpoint=False)). */
        for (int i = 0; i < steps; i++) {
            int idx = (int)floor(np_linspace(original, steps, 0, i));
            t[count++] = (double)(original - idx) * k - 1;
        }
        for (int i = 0; i < count; i++) sig[i] = np_interp(t[i], table->sigmas, n);
    } else {
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: unknown family %d", (int)family);
    }
    if (count < 1 || count > SCHEDULE_MAX_STEPS)
        return error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "schedule: %d steps gives %d timesteps", steps,
                         count);
    out->steps = count;
    for (int i = 0; i < count; i++) {
        out->timesteps[i] = (float)t[i];
        out->sigmas[i] = (float)sig[i];
    }
    out->sigmas[count] = 0.0f;
    return PIXEEN_OK;
}
