/* sampler_input_push.h — push constants of shaders/sampler_input.comp (C and GLSL: see abi.h). */
#ifndef PIXEEN_OPS_ABI_SAMPLER_INPUT_PUSH_H
#define PIXEEN_OPS_ABI_SAMPLER_INPUT_PUSH_H

#include "abi.h"

ABI_PUSH_BEGIN(sampler_input_push) {
    abi_uint n;      /* latent elements of the batch */
    abi_uint halves; /* 2 with classifier-free guidance, else 1 */
    abi_uint rows;   /* UNet batch rows (timesteps to write) */
} ABI_PUSH_END(sampler_input_push)
#define SAMPLER_INPUT_PUSH_SIZE 12
ABI_SIZE_CHECK(sampler_input_push, SAMPLER_INPUT_PUSH_SIZE)

#endif
