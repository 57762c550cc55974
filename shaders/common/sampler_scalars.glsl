// sampler_scalars.glsl — the per-step scalar block, shared by C (src/ops/sampler.h includes this
// file) and GLSL: the struct below is valid in both languages. All members are 32-bit floats, so
// std430 and C lay them out identically (offset = 4 * member index, 64 bytes in all); the host
// writes one block into a host-visible buffer before each replay of a recorded step, and the
// kernels read it from there (push constants would be frozen into the recording).
//
// One sampler step, with x the current latents (fp32), model_out the UNet output:
//   eps       = cfg ? u + guidance * (c - u) : model_out      (model_out = [u; c], each [B, ...])
//   denoised  = alpha_x * x + alpha_e * eps                   (eps prediction: 1, -sigma;
//                                                              v prediction and DDIM/LCM fit too)
//   x_next    = a * x + b * denoised + c * prev_denoised + d * noise
//   prev_denoised <- denoised                                 (DPM++ 2M's history)
// and, before the UNet, x_in = c_in * x (written twice into the [2B] UNet input under CFG).
// Examples (sigma space, k-diffusion style): Euler: alpha_x 1, alpha_e -sigma, a 1 + dt/sigma,
// b -dt/sigma (dt = sigma_next - sigma). Euler ancestral: a sigma_down/sigma, b 1 - a, d sigma_up.
// DPM++ 2M: a sigma_next/sigma, b -(e^-h - 1)(1 + 1/(2r)), c (e^-h - 1)/(2r). DDIM (eta 0, x in
// DDPM space): alpha_x 1/sqrt(abar), alpha_e -sqrt(1-abar)/sqrt(abar), a sqrt(1-abar_prev)/sqrt(1-abar),
// b sqrt(abar_prev) - a sqrt(abar). LCM: denoised = c_skip x + c_out x0(x, eps) (linear in x and
// eps), x_next = sqrt(abar_prev) denoised + sqrt(1 - abar_prev) noise.
// scale and shift serve op_scale_shift_record (e.g. latents / 0.18215 before the VAE).
#ifndef SAMPLER_SCALARS_GLSL
#define SAMPLER_SCALARS_GLSL

struct sampler_scalars {
    float timestep; // 0: the UNet's timestep (read by the timestep embedding)
    float guidance; // 1: classifier-free guidance scale g
    float c_in;     // 2: model-input scale
    float alpha_x;  // 3: denoised = alpha_x * x + alpha_e * eps
    float alpha_e;  // 4
    float a;        // 5: x_next = a x + b denoised + c prev_denoised + d noise
    float b;        // 6
    float c;        // 7
    float d;        // 8
    float scale;    // 9: op_scale_shift_record: out = x * scale + shift
    float shift;    // 10
    float reserved[5]; // 11..15: zero; pads the block to 64 bytes
};

#endif
