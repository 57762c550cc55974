// activations.glsl — the activation functions, in fp32.
float act_silu(float x) { return x / (1.0 + exp(-x)); }
float act_quick_gelu(float x) { return x / (1.0 + exp(-1.702 * x)); }  // CLIP's x * sigmoid(1.702 x)
float act_gelu_tanh(float x) { return 0.5 * x * (1.0 + tanh(clamp(0.7978845608028654 * (x + 0.044715 * x * x * x), -15.0, 15.0))); }
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below fp32 resolution of the GELU output's
// scale), since GLSL has no erf.
float erf_approx(float x) {
    float s = sign(x), a = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * a);
    float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
    return s * y;
}
float act_gelu(float x) { return 0.5 * x * (1.0 + erf_approx(x * 0.7071067811865476)); }
