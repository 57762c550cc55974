// sampler_step.glsl — one step of a sampler plan, as the host computes it (src/sample/sampler.h,
// struct sampler_step: 16 four-byte fields, std430-compatible without padding).
//   unet_input = c_in * x
//   denoised   = dn_x * x + dn_eps * m            (m: the guided model output)
//   x_next     = a * x + b * denoised + c * prev_denoised + d * noise
struct sampler_step {
    float timestep;
    float c_in;
    float dn_x;
    float dn_eps;
    float a;
    float b;
    float c;
    float d;
    float sigma;
    float sigma_next;
    uint flags;   // 2: reads prev_denoised, 4: writes it
    uint index;
    float reserved0, reserved1, reserved2, reserved3;
};
const uint SAMPLER_STEP_USE_PREV = 2u;
const uint SAMPLER_STEP_KEEP_DENOISED = 4u;
