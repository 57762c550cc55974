/* spirv_reflect.c — see spirv_reflect.h. Reads the SPIR-V instruction stream once: type sizes,
 * struct members and their Offset decorations, arrays (ArrayStride x length), and the
 * PushConstant variable. */
#include "gpu/spirv_reflect.h"

#include <stdlib.h>

enum {
    OP_TYPE_INT = 21,
    OP_TYPE_FLOAT = 22,
    OP_TYPE_VECTOR = 23,
    OP_TYPE_ARRAY = 28,
    OP_TYPE_STRUCT = 30,
    OP_TYPE_POINTER = 32,
    OP_CONSTANT = 43,
    OP_VARIABLE = 59,
    OP_DECORATE = 71,
    OP_MEMBER_DECORATE = 72,
    DECORATION_ARRAY_STRIDE = 6,
    DECORATION_OFFSET = 35,
    STORAGE_PUSH_CONSTANT = 9,
    MAX_MEMBERS = 64,
};

bool spirv_push_constant_size(const uint32_t *code, size_t bytes, uint32_t *size) {
    *size = 0;
    size_t words = bytes / 4;
    if (words < 5 || code[0] != 0x07230203u) return false;
    uint32_t bound = code[3];
    if (bound == 0 || bound > (1u << 22)) return false;
    uint32_t *type_size = calloc(bound, sizeof *type_size); /* bytes of a scalar/vector type id */
    size_t *struct_at = calloc(bound, sizeof *struct_at);   /* word index of a struct's OpTypeStruct */
    uint32_t *pointee = calloc(bound, sizeof *pointee);     /* push-constant pointer type -> struct */
    uint32_t *value = calloc(bound, sizeof *value);         /* 32-bit constants (array lengths) */
    uint32_t *stride = calloc(bound, sizeof *stride);       /* ArrayStride decorations */
    bool ok = type_size && struct_at && pointee && value && stride;
    uint32_t block = 0; /* the push-constant struct id */
    for (size_t i = 5; ok && i < words;) {
        uint32_t count = code[i] >> 16, op = code[i] & 0xFFFFu;
        if (count == 0 || i + count > words) {
            ok = false;
            break;
        }
        const uint32_t *w = code + i;
        if ((op == OP_TYPE_INT || op == OP_TYPE_FLOAT) && count >= 3 && w[1] < bound) type_size[w[1]] = w[2] / 8;
        if (op == OP_TYPE_VECTOR && count >= 4 && w[1] < bound && w[2] < bound) type_size[w[1]] = type_size[w[2]] * w[3];
        if (op == OP_TYPE_STRUCT && count >= 2 && w[1] < bound) struct_at[w[1]] = i;
        if (op == OP_DECORATE && count >= 4 && w[1] < bound && w[2] == DECORATION_ARRAY_STRIDE) stride[w[1]] = w[3];
        if (op == OP_CONSTANT && count == 4 && w[2] < bound) value[w[2]] = w[3];
        if (op == OP_TYPE_ARRAY && count >= 4 && w[1] < bound && w[2] < bound && w[3] < bound)
            type_size[w[1]] = (stride[w[1]] ? stride[w[1]] : type_size[w[2]]) * value[w[3]];
        if (op == OP_TYPE_POINTER && count >= 4 && w[1] < bound && w[2] == STORAGE_PUSH_CONSTANT) pointee[w[1]] = w[3];
        if (op == OP_VARIABLE && count >= 4 && w[3] == STORAGE_PUSH_CONSTANT && w[1] < bound) block = pointee[w[1]];
        i += count;
    }
    uint32_t offsets[MAX_MEMBERS] = {0};
    bool have[MAX_MEMBERS] = {false};
    if (ok && block) {
        if (block >= bound || !struct_at[block]) ok = false;
        for (size_t i = 5; ok && i < words; i += code[i] >> 16) {
            const uint32_t *w = code + i;
            uint32_t count = w[0] >> 16;
            if ((w[0] & 0xFFFFu) == OP_MEMBER_DECORATE && count >= 5 && w[1] == block && w[3] == DECORATION_OFFSET &&
                w[2] < MAX_MEMBERS)
                offsets[w[2]] = w[4], have[w[2]] = true;
        }
        const uint32_t *st = ok ? code + struct_at[block] : NULL;
        uint32_t members = ok ? (st[0] >> 16) - 2 : 0;
        for (uint32_t m = 0; ok && m < members; m++) {
            uint32_t type = st[2 + m];
            if (m >= MAX_MEMBERS || !have[m] || type >= bound || type_size[type] == 0) {
                ok = false;
                break;
            }
            uint32_t end = offsets[m] + type_size[type];
            if (end > *size) *size = end;
        }
    }
    free(type_size);
    free(struct_at);
    free(pointee);
    free(value);
    free(stride);
    if (!ok) *size = 0;
    return ok;
}
