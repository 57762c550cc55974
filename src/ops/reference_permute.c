/* reference_permute.c — see reference_permute.h. */
#include "ops/reference_permute.h"

void ref_permute(const float *in, const int64_t in_shape[4], const int perm[4], float scale, float *out) {
    int64_t stride[4] = {in_shape[1] * in_shape[2] * in_shape[3], in_shape[2] * in_shape[3], in_shape[3], 1};
    int64_t os[4] = {in_shape[perm[0]], in_shape[perm[1]], in_shape[perm[2]], in_shape[perm[3]]};
    size_t o = 0;
    for (int64_t a = 0; a < os[0]; a++)
        for (int64_t b = 0; b < os[1]; b++)
            for (int64_t c = 0; c < os[2]; c++)
                for (int64_t d = 0; d < os[3]; d++)
                    out[o++] = in[a * stride[perm[0]] + b * stride[perm[1]] + c * stride[perm[2]] + d * stride[perm[3]]] * scale;
}
