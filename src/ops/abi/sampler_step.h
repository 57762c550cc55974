/* sampler_step.h — one step of a sampler plan as the host computes it (src/sample/sampler.c) and
 * the step kernels read it (shaders/sampler_input.comp, sampler_update.comp): included by C and GLSL
 * (see abi.h). 16 four-byte fields (64 bytes), so an array of them is uploaded as is (std430
 * without padding):
 *   unet_input = c_in * x
 *   denoised   = dn_x * x + dn_eps * m            (m: the guided model output)
 *   x_next     = a * x + b * denoised + c * prev_denoised + d * noise */
#ifndef PIXEEN_OPS_ABI_SAMPLER_STEP_H
#define PIXEEN_OPS_ABI_SAMPLER_STEP_H

#include "abi.h"

/* Step flags. */
#define SAMPLER_STEP_DRAW_NOISE 1u    /* draw one randn(latent shape) from the generator now (host only) */
#define SAMPLER_STEP_USE_PREV 2u      /* c != 0: reads prev_denoised */
#define SAMPLER_STEP_KEEP_DENOISED 4u /* writes this step's denoised to prev_denoised */

struct sampler_step {
    abi_float timestep; /* fed to the UNet's timestep embedding */
    abi_float c_in;     /* unet_input = c_in * x */
    abi_float dn_x;     /* denoised = dn_x * x + dn_eps * m */
    abi_float dn_eps;
    abi_float a; /* x_next = a*x + b*denoised + c*prev_denoised + d*noise */
    abi_float b;
    abi_float c;
    abi_float d;
    abi_float sigma;      /* noise level (k-diffusion sigma) before the step; informational */
    abi_float sigma_next; /* after the step */
    abi_uint flags;       /* SAMPLER_STEP_* */
    abi_uint index;       /* step number, from 0 */
    abi_float reserved0, reserved1, reserved2, reserved3;
};
#define SAMPLER_STEP_SIZE 64

#ifndef GL_core_profile
typedef struct sampler_step sampler_step;
ABI_SIZE_CHECK(sampler_step, SAMPLER_STEP_SIZE)
#endif

#endif
