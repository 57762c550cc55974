/* reference_gemm.c — see reference_gemm.h. Straight loops in double precision. */
#include "ops/reference_gemm.h"

void ref_matmul_rows(const float *x, const float *w, const float *bias, const float *residual, size_t B,
                     size_t M, size_t K, size_t N, int w_per_batch, const size_t *rows, size_t row_count,
                     float *out) {
    size_t count = rows ? row_count : B * M;
    for (size_t i = 0; i < count; i++) {
        size_t r = rows ? rows[i] : i;
        size_t b = r / M;
        const float *xr = x + r * K;
        const float *wb = w + (w_per_batch ? b * N * K : 0);
        for (size_t n = 0; n < N; n++) {
            double acc = 0;
            const float *wr = wb + n * K;
            for (size_t k = 0; k < K; k++) acc += (double)xr[k] * (double)wr[k];
            if (bias) acc += bias[n];
            if (residual) acc += residual[r * N + n];
            out[i * N + n] = (float)acc;
        }
    }
}

void ref_conv2d_rows(const float *x, const float *w, const float *bias, const float *residual, size_t B,
                     size_t H, size_t W, size_t Cin, size_t Cout, size_t kh, size_t kw, size_t stride,
                     size_t pad, const size_t *rows, size_t row_count, float *out) {
    size_t Ho = (H + 2 * pad - kh) / stride + 1, Wo = (W + 2 * pad - kw) / stride + 1;
    size_t count = rows ? row_count : B * Ho * Wo;
    for (size_t i = 0; i < count; i++) {
        size_t r = rows ? rows[i] : i;
        size_t ox = r % Wo, oy = (r / Wo) % Ho, b = r / (Wo * Ho);
        for (size_t n = 0; n < Cout; n++) {
            double acc = 0;
            for (size_t ky = 0; ky < kh; ky++) {
                long iy = (long)(oy * stride + ky) - (long)pad;
                if (iy < 0 || iy >= (long)H) continue;
                for (size_t kx = 0; kx < kw; kx++) {
                    long ix = (long)(ox * stride + kx) - (long)pad;
                    if (ix < 0 || ix >= (long)W) continue;
                    const float *xp = x + ((b * H + (size_t)iy) * W + (size_t)ix) * Cin;
                    const float *wp = w + ((n * kh + ky) * kw + kx) * Cin;
                    for (size_t c = 0; c < Cin; c++) acc += (double)xp[c] * (double)wp[c];
                }
            }
            if (bias) acc += bias[n];
            if (residual) acc += residual[r * Cout + n];
            out[i * Cout + n] = (float)acc;
        }
    }
}
