// activation.glsl — the pointwise activations in fp32 (kinds as in src/ops/activation.h).
float act_erf(float x) {
    // Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, below fp32's resolution of the result near 1.
    float a = abs(x), t = 1.0 / (1.0 + 0.3275911 * a);
    float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
    return x < 0.0 ? -y : y;
}

float act_apply(uint kind, float x) {
    if (kind == 0) return x / (1.0 + exp(-x));
    if (kind == 1) {
        // tanh's argument clamped: tanh(+-10) is +-1 in fp32, and some drivers return NaN from
        // exp overflow in tanh for large arguments.
        float u = clamp(0.7978845608028654 * (x + 0.044715 * x * x * x), -10.0, 10.0);
        return 0.5 * x * (1.0 + tanh(u));
    }
    if (kind == 2) return 0.5 * x * (1.0 + act_erf(x * 0.7071067811865476));
    return x / (1.0 + exp(-1.702 * x));
}
