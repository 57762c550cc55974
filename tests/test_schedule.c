/* test_schedule.c — training tables and inference schedules against diffusers 0.25.
 *
 * - Every pipe_* case of the fixtures (tests/data/sample/: its scheduler config, timesteps and
 *   sigmas): timesteps equal, sigmas within 1e-6 relative (the final sigma is 0 for all: the
 *   `dpmpp2m_karras` case stopped at sigma_min in diffusers 0.25, so only its first 4 are compared).
 * - The model's own scheduler_config.json parses and gives the same table.
 * - Known diffusers timesteps for other spacings/families (from diffusers' documented behaviour):
 *   DDIM leading 50 steps = 981, 961, ..., 1; DDIM trailing 4 = 999, 749, 499, 249; LCM 4 steps =
 *   999, 759, 499, 259; Euler leading 4 steps with steps_offset 1 = 751, 501, 251, 1.
 * - Properties: sigmas descend, Karras ends at sigma_min and starts at sigma_max, sigma_to_t
 *   inverts the table at integer timesteps, bad configs are rejected with a clear error.
 */
#include "test.h"

#include "sample/sampler.h"
#include "sample/schedule.h"

static char *read_text(const char *rel, size_t *len) {
    FILE *f = fopen(test_data_path(rel), "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, f) != (size_t)size) size = 0;
    fclose(f);
    text[size] = 0;
    *len = (size_t)size;
    return text;
}

static int read_floats(const char *rel, float *out, size_t n) {
    FILE *f = fopen(test_data_path(rel), "rb");
    if (!f) return 0;
    size_t got = fread(out, sizeof(float), n, f);
    fclose(f);
    return got == n;
}

static double rel_err(double got, double ref) {
    if (ref == 0) return fabs(got);
    return fabs(got - ref) / fabs(ref);
}

typedef struct pipe_case {
    const char *name;
    schedule_family family;
    int compare_sigmas; /* how many sigmas to compare */
} pipe_case;

static void test_fixture_cases(void) {
    static const pipe_case cases[] = {
        {"euler", SCHEDULE_EULER, 5},
        {"euler_a", SCHEDULE_EULER, 5},
        {"dpmpp2m_karras", SCHEDULE_DPM, 4},
        {"dpmpp2m_karras_zero", SCHEDULE_DPM, 5},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const pipe_case *c = &cases[k];
        char rel[256];
        size_t len;
        snprintf(rel, sizeof rel, "sample/%s_scheduler_config.json", c->name);
        char *json = read_text(rel, &len);
        CHECK(json != NULL);
        if (!json) continue;
        schedule_config cfg;
        CHECK_OK(schedule_config_parse(json, len, &cfg));
        free(json);
        schedule_table table;
        CHECK_OK(schedule_table_create(&cfg, &table));
        schedule s;
        CHECK_OK(schedule_compute(&table, &cfg, c->family, 4, cfg.use_karras_sigmas, &s));
        float ts[4], sig[5];
        snprintf(rel, sizeof rel, "sample/pipe_%s_32_timesteps.bin", c->name);
        CHECK(read_floats(rel, ts, 4));
        snprintf(rel, sizeof rel, "sample/pipe_%s_32_sigmas.bin", c->name);
        CHECK(read_floats(rel, sig, 5));
        CHECK(s.steps == 4);
        double worst = 0;
        for (int i = 0; i < 4; i++) CHECK(s.timesteps[i] == ts[i]);
        for (int i = 0; i < c->compare_sigmas; i++) worst = fmax(worst, rel_err(s.sigmas[i], sig[i]));
        printf("%-20s timesteps %g %g %g %g  sigmas max rel err %.2g\n", c->name, s.timesteps[0],
               s.timesteps[1], s.timesteps[2], s.timesteps[3], worst);
        CHECK(worst <= 1e-6);
        CHECK(s.sigmas[4] == 0.0f);
        schedule_table_destroy(&table);
        schedule_config_clear(&cfg);
    }
}

static void check_timesteps(const schedule *s, const float *expected, int n) {
    CHECK(s->steps == n);
    int bad = 0;
    for (int i = 0; i < n && i < s->steps; i++) bad += s->timesteps[i] != expected[i];
    if (bad) {
        fprintf(stderr, "timesteps:");
        for (int i = 0; i < s->steps; i++) fprintf(stderr, " %g", s->timesteps[i]);
        fprintf(stderr, "\n");
    }
    CHECK(bad == 0);
}

static void test_model_config_and_families(void) {
    size_t len;
    char *json = read_text("sample/scheduler_config.json", &len);
    CHECK(json != NULL);
    if (!json) return;
    schedule_config cfg;
    CHECK_OK(schedule_config_parse(json, len, &cfg));
    free(json);
    CHECK(cfg.steps_offset == 1);
    CHECK(cfg.timestep_spacing == SCHEDULE_SPACING_DEFAULT);
    schedule_table table;
    CHECK_OK(schedule_table_create(&cfg, &table));
    /* SD's well-known extremes: sigma_max 14.6146, sigma_min 0.0291675. */
    CHECK(rel_err(table.sigmas[999], 14.614645004272461) < 1e-7);
    CHECK(rel_err(table.sigmas[0], 0.029167532920837402) < 1e-7);

    schedule s;
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_DDIM, 50, 0, &s)); /* leading by default */
    CHECK(s.steps == 50 && s.timesteps[0] == 981 && s.timesteps[49] == 1 && s.timesteps[1] == 961);
    static const float lcm4[] = {999, 759, 499, 259};
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_LCM, 4, 0, &s));
    check_timesteps(&s, lcm4, 4);
    /* Euler with an explicit leading spacing: (0, 250, 500, 750) reversed + steps_offset. */
    cfg.timestep_spacing = SCHEDULE_SPACING_LEADING;
    static const float lead4[] = {751, 501, 251, 1};
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_EULER, 4, 0, &s));
    check_timesteps(&s, lead4, 4);
    CHECK(s.sigmas[0] == table.sigmas[751] && s.sigmas[3] == table.sigmas[1]);
    /* DPM leading: N // (steps + 1) = 200 -> 800, 600, 400, 200 + 1. */
    static const float dpm_lead4[] = {801, 601, 401, 201};
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_DPM, 4, 0, &s));
    check_timesteps(&s, dpm_lead4, 4);
    cfg.timestep_spacing = SCHEDULE_SPACING_TRAILING;
    static const float trail4[] = {999, 749, 499, 249};
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_DDIM, 4, 0, &s));
    check_timesteps(&s, trail4, 4);
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_EULER, 4, 0, &s));
    check_timesteps(&s, trail4, 4);
    /* numpy's arange length rounding: diffusers gets 62 timesteps for 61 trailing steps. */
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_EULER, 61, 0, &s));
    CHECK(s.steps == 62);
    cfg.timestep_spacing = SCHEDULE_SPACING_LINSPACE;
    /* DPM linspace: linspace(0, 999, 5) = 0, 249.75, 499.5, 749.25, 999 -> round half even. */
    static const float dpm_lin4[] = {999, 749, 500, 250};
    CHECK_OK(schedule_compute(&table, &cfg, SCHEDULE_DPM, 4, 0, &s));
    check_timesteps(&s, dpm_lin4, 4);

    /* Properties over many step counts and every family. */
    int ok_desc = 1, ok_karras = 1;
    for (int steps = 1; steps <= 60; steps++) {
        for (int fam = 0; fam < 4; fam++) {
            for (int karras = 0; karras <= (fam <= SCHEDULE_DPM); karras++) {
                if (fam == SCHEDULE_LCM && steps > 50) continue;
                if (schedule_compute(&table, &cfg, (schedule_family)fam, steps, karras, &s) != PIXEEN_OK) {
                    ok_desc = 0;
                    continue;
                }
                for (int i = 0; i < s.steps; i++) ok_desc &= s.sigmas[i] > s.sigmas[i + 1] || (s.sigmas[i] == s.sigmas[i+1] && i + 1 < s.steps);
                if (karras && steps > 1) {
                    ok_karras &= rel_err(s.sigmas[0], 14.614645) < 1e-6;
                    ok_karras &= rel_err(s.sigmas[s.steps - 1], 0.0291675) < 1e-5;
                }
            }
        }
    }
    CHECK(ok_desc);
    CHECK(ok_karras);
    /* sigma_to_t inverts the table at integer t. */
    int ok_inv = 1;
    for (int t = 0; t < 1000; t += 37) ok_inv &= fabs(schedule_sigma_to_t(&table, table.sigmas[t]) - t) < 1e-3;
    CHECK(ok_inv);
    CHECK(schedule_table_alpha(&table, &cfg, -1) == table.alphas_cumprod[0]);
    cfg.set_alpha_to_one = 1;
    CHECK(schedule_table_alpha(&table, &cfg, -1) == 1.0f);

    CHECK_STATUS(schedule_compute(&table, &cfg, SCHEDULE_DDIM, 4, 1, &s), PIXEEN_ERROR_UNSUPPORTED);
    CHECK_STATUS(schedule_compute(&table, &cfg, SCHEDULE_EULER, 0, 0, &s), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(schedule_compute(&table, &cfg, SCHEDULE_LCM, 51, 0, &s), PIXEEN_ERROR_INVALID_ARGUMENT);
    schedule_table_destroy(&table);
    schedule_config_clear(&cfg);
}

static void test_other_betas_and_errors(void) {
    schedule_config cfg;
    schedule_table table;
    const char *linear = "{\"beta_schedule\":\"linear\",\"beta_start\":0.0001,\"beta_end\":0.02}";
    CHECK_OK(schedule_config_parse(linear, strlen(linear), &cfg));
    CHECK_OK(schedule_table_create(&cfg, &table));
    CHECK(fabs(table.alphas_cumprod[0] - 0.9999) < 1e-7);
    schedule_table_destroy(&table);
    const char *cosine = "{\"beta_schedule\":\"squaredcos_cap_v2\",\"prediction_type\":\"v_prediction\"}";
    CHECK_OK(schedule_config_parse(cosine, strlen(cosine), &cfg));
    CHECK(cfg.prediction == SCHEDULE_PREDICT_V);
    CHECK_OK(schedule_table_create(&cfg, &table));
    CHECK(table.sigmas[999] > table.sigmas[500] && table.sigmas[500] > table.sigmas[0]);
    schedule_table_destroy(&table);
    const char *trained = "{\"num_train_timesteps\":4,\"trained_betas\":[0.1,0.2,0.3,0.4]}";
    CHECK_OK(schedule_config_parse(trained, strlen(trained), &cfg));
    CHECK_OK(schedule_table_create(&cfg, &table));
    CHECK(fabs(table.alphas_cumprod[3] - 0.9 * 0.8 * 0.7 * 0.6) < 1e-6);
    schedule_table_destroy(&table);
    schedule_config_clear(&cfg);

    static const char *bad[] = {
        "{\"beta_schedule\":\"sigmoid\"}",
        "{\"timestep_spacing\":\"random\"}",
        "{\"prediction_type\":\"sample\"}",
        "{\"num_train_timesteps\":-5}",
        "{\"num_train_timesteps\":4,\"trained_betas\":[0.1]}",
        "{\"beta_start\":\"x\"}",
        "[1,2]",
        "{\"beta_end\":0.012",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pixeen_status st = schedule_config_parse(bad[i], strlen(bad[i]), &cfg);
        CHECK(st == PIXEEN_ERROR_FORMAT || st == PIXEEN_ERROR_UNSUPPORTED);
        CHECK(strncmp(error_message(), "schedule: ", 10) == 0);
        schedule_config_clear(&cfg);
    }
}

/* Zero terminal SNR (diffusers' rescale_zero_terminal_snr, then the last alphas_cumprod = 2^-24):
 * values from the same algorithm in double precision; and a Turbo config (trailing spacing) read
 * as a user's scheduler_config.json gives Euler a's 4 steps at 999, 749, 499, 249. */
static void test_zero_snr_and_turbo(void) {
    const char *json = "{\"beta_schedule\":\"scaled_linear\",\"beta_start\":0.00085,\"beta_end\":0.012,"
                       "\"rescale_betas_zero_snr\":true,\"timestep_spacing\":\"trailing\",\"steps_offset\":1}";
    schedule_config cfg;
    schedule_table table;
    CHECK_OK(schedule_config_parse(json, strlen(json), &cfg));
    CHECK(cfg.rescale_betas_zero_snr == 1 && cfg.timestep_spacing == SCHEDULE_SPACING_TRAILING);
    CHECK_OK(schedule_table_create(&cfg, &table));
    static const struct {
        int t;
        double alpha;
    } want[] = {{0, 0.99915}, {250, 0.6524570153414769}, {500, 0.2410187827573158}, {750, 0.03279911812874217},
                {998, 1.967888056621159e-07}, {999, 5.960464477539063e-08}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double got = table.alphas_cumprod[want[i].t], rel = fabs(got - want[i].alpha) / want[i].alpha;
        if (rel > 2e-4) printf("zero SNR alphas_cumprod[%d] = %.9g, expected %.9g\n", want[i].t, got, want[i].alpha);
        CHECK(rel < 2e-4);
    }
    CHECK(fabs(table.sigmas[999] - 4096.0) < 0.5); /* sqrt((1 - 2^-24) / 2^-24) */
    sampler_plan *plan = NULL;
    CHECK_OK(sampler_plan_create(&cfg, &table, &(sampler_desc){.kind = SAMPLER_EULER_A, .steps = 4}, &plan));
    if (plan) {
        static const float turbo[] = {999, 749, 499, 249};
        check_timesteps(&plan->sched, turbo, 4);
        CHECK(fabs(plan->init_sigma - table.sigmas[999]) < 1e-3 * table.sigmas[999]); /* trailing: sigma_max, not sqrt(sigma_max^2 + 1) */
        sampler_plan_destroy(plan);
    }
    schedule_table_destroy(&table);
    schedule_config_clear(&cfg);
}

int main(void) {
    test_fixture_cases();
    test_zero_snr_and_turbo();
    test_model_config_and_families();
    test_other_betas_and_errors();
    return test_finish();
}
