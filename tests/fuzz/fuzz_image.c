/* fuzz_image.c — libFuzzer target for the picture reader (src/image: stb_image's PNG, JPEG, BMP
 * and TGA decoders behind the header size check), then the conversions a decoded picture goes
 * through (Lanczos resize to another size, [-1, 1] floats, the binary mask). Seeds in
 * tests/data/corpus/image: a small PNG (RGB and grey), BMP and TGA. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image/picture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    picture p = {0}, r = {0};
    /* At most 512x512 decoded per input: stb allocates by the header's size, and pictures up to
     * the real 8192x8192 limit would fill libFuzzer's 2 GiB RSS bound through the allocator's caches. */
    if (picture_decode_bounded(data, size, "fuzz", 512 * 512, &p) != PIXEEN_OK) return 0;
    /* Bounded work per input: only small pictures go through the resampler. */
    if ((size_t)p.width * p.height <= 64 * 64) {
        if (picture_resize_lanczos(&p, p.width / 2 + 1, p.height + 3, &r) == PIXEEN_OK) {
            float *f = malloc((size_t)r.width * r.height * 3 * sizeof(float));
            if (f) {
                picture_to_unit_range(&r, f);
                picture_mask_binary(&r, f);
            }
            free(f);
            picture_free(&r);
        }
    }
    picture_free(&p);
    return 0;
}
