/* sampler_update_push.h — push constants of shaders/sampler_update.comp (C and GLSL: see abi.h). */
#ifndef PIXEEN_OPS_ABI_SAMPLER_UPDATE_PUSH_H
#define PIXEEN_OPS_ABI_SAMPLER_UPDATE_PUSH_H

#include "abi.h"

ABI_PUSH_BEGIN(sampler_update_push) {
    abi_uint n;           /* latent elements of the batch */
    abi_uint halves;      /* 2: model_out holds [uncond; cond] and is combined with guidance */
    abi_float guidance;
    abi_uint noise_steps; /* steps with a noise slice; 0: no noise buffer content */
} ABI_PUSH_END(sampler_update_push)
#define SAMPLER_UPDATE_PUSH_SIZE 16
ABI_SIZE_CHECK(sampler_update_push, SAMPLER_UPDATE_PUSH_SIZE)

#endif
