/* reference_norm.c — see reference_norm.h. */
#include "ops/reference_norm.h"

#include <math.h>

static void group_stats(const float *x, size_t n, size_t c, size_t cg, size_t b, size_t g, double *mean, double *rstd,
                        float eps) {
    const float *base = x + b * n * c + g * cg;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cg; j++) s += base[i * c + j];
    double m = s / (double)(n * cg), v = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cg; j++) v += (base[i * c + j] - m) * (base[i * c + j] - m);
    *mean = m;
    *rstd = 1.0 / sqrt(v / (double)(n * cg) + eps);
}

static float finish(double y, bool silu) { return (float)(silu ? y / (1.0 + exp(-y)) : y); }

void ref_group_norm(const float *x, size_t batch, size_t n, size_t c, size_t groups, const float *gamma,
                    const float *beta, float eps, bool silu, float *out) {
    size_t cg = c / groups;
    for (size_t b = 0; b < batch; b++)
        for (size_t g = 0; g < groups; g++) {
            double m, r;
            group_stats(x, n, c, cg, b, g, &m, &r, eps);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < cg; j++) {
                    size_t at = b * n * c + i * c + g * cg + j;
                    out[at] = finish((x[at] - m) * r * gamma[g * cg + j] + beta[g * cg + j], silu);
                }
        }
}

void ref_group_norm_pixel(const float *x, size_t n, size_t c, size_t groups, const float *gamma, const float *beta,
                          float eps, bool silu, size_t b, size_t pixel, float *out_c) {
    size_t cg = c / groups;
    for (size_t g = 0; g < groups; g++) {
        double m, r;
        group_stats(x, n, c, cg, b, g, &m, &r, eps);
        for (size_t j = 0; j < cg; j++) {
            size_t ch = g * cg + j;
            out_c[ch] = finish((x[b * n * c + pixel * c + ch] - m) * r * gamma[ch] + beta[ch], silu);
        }
    }
}

void ref_layer_norm(const float *x, size_t rows, size_t c, const float *gamma, const float *beta, float eps, float *out) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * c;
        double s = 0, v = 0;
        for (size_t j = 0; j < c; j++) s += row[j];
        double m = s / (double)c;
        for (size_t j = 0; j < c; j++) v += (row[j] - m) * (row[j] - m);
        double rstd = 1.0 / sqrt(v / (double)c + eps);
        for (size_t j = 0; j < c; j++) out[r * c + j] = (float)((row[j] - m) * rstd * gamma[j] + beta[j]);
    }
}
