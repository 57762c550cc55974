/* ggml_quant.c — ggml block layouts: the plain-C dequantization reference of every type Pixeen
 * reads, and the quantizers `pixeen quantize` writes with. Layouts: see ggml_quant.h (the facts come
 * from ggml's ggml-common.h / ggml-quants.c; the code is ours). */
#include "models/ggml_quant.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/f16.h"

static const struct {
    uint32_t type;
    const char *name;
    uint32_t elems, bytes;
    bool can_quantize;
} types[] = {
    {GGML_F32, "f32", 1, 4, true},     {GGML_F16, "f16", 1, 2, true},     {GGML_BF16, "bf16", 1, 2, false},
    {GGML_Q4_0, "q4_0", 32, 18, true}, {GGML_Q4_1, "q4_1", 32, 20, true}, {GGML_Q5_0, "q5_0", 32, 22, true},
    {GGML_Q5_1, "q5_1", 32, 24, true}, {GGML_Q8_0, "q8_0", 32, 34, true}, {GGML_Q2_K, "q2_K", 256, 84, false},
    {GGML_Q3_K, "q3_K", 256, 110, false}, {GGML_Q4_K, "q4_K", 256, 144, true},
    {GGML_Q5_K, "q5_K", 256, 176, true},  {GGML_Q6_K, "q6_K", 256, 210, true},
};
#define TYPE_COUNT (sizeof types / sizeof types[0])

static int find(uint32_t type) {
    for (size_t i = 0; i < TYPE_COUNT; i++)
        if (types[i].type == type) return (int)i;
    return -1;
}

bool ggml_type_known(uint32_t type) { return find(type) >= 0; }
const char *ggml_type_name(uint32_t type) { return find(type) >= 0 ? types[find(type)].name : "?"; }
uint32_t ggml_block_elems(uint32_t type) { return find(type) >= 0 ? types[find(type)].elems : 0; }
uint32_t ggml_block_bytes(uint32_t type) { return find(type) >= 0 ? types[find(type)].bytes : 0; }
bool ggml_type_is_quantized(uint32_t type) { return ggml_block_elems(type) > 1; }
bool ggml_type_can_quantize(uint32_t type) { return find(type) >= 0 && types[find(type)].can_quantize; }

bool ggml_type_parse(const char *name, ggml_type *out) {
    for (size_t i = 0; i < TYPE_COUNT; i++)
        if (name && !strcasecmp(name, types[i].name)) {
            *out = (ggml_type)types[i].type;
            return true;
        }
    return false;
}

static inline float half_at(const uint8_t *p) { return f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }
static inline void half_put(uint8_t *p, float v) {
    uint16_t h = f32_to_f16(v);
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}
static inline uint32_t u32_at(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The 6-bit scale and min of sub-block j of a Q4_K/Q5_K block (12 packed bytes): sub-blocks 0..3
 * keep them in the low 6 bits of bytes j and j+4; 4..7 in the nibbles of byte j+4 plus the top two
 * bits of bytes j-4 (scale) and j (min). */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* ---- dequantization, one block ---------------------------------------------------------- */

static void deq_q4_0(const uint8_t *b, float *y) {
    float d = half_at(b);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((b[2 + j] & 0xF) - 8) * d;
        y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
    }
}

static void deq_q4_1(const uint8_t *b, float *y) {
    float d = half_at(b), m = half_at(b + 2);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(b[4 + j] & 0xF) * d + m;
        y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
    }
}

/* Q5_0 / Q5_1: bit j of the 32-bit `qh` is value j's fifth bit. */
static void deq_q5(const uint8_t *b, float *y, bool has_min) {
    float d = half_at(b), m = has_min ? half_at(b + 2) : 0.0f;
    const uint8_t *p = b + (has_min ? 4 : 2);
    uint32_t qh = u32_at(p);
    const uint8_t *qs = p + 4;
    int offset = has_min ? 0 : 16;
    for (int j = 0; j < 16; j++) {
        int x0 = (int)((qs[j] & 0xF) | (((qh >> j) & 1u) << 4)) - offset;
        int x1 = (int)((qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - offset;
        y[j] = (float)x0 * d + m;
        y[j + 16] = (float)x1 * d + m;
    }
}

static void deq_q8_0(const uint8_t *b, float *y) {
    float d = half_at(b);
    for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

static void deq_q2_k(const uint8_t *b, float *y) {
    const uint8_t *scales = b, *q = b + 16;
    float d = half_at(b + 80), dmin = half_at(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; half++) {
                uint8_t sc = scales[is++];
                float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[l + 16 * half] >> shift) & 3) - ml;
            }
        }
        q += 32;
    }
}

static void deq_q3_k(const uint8_t *b, float *y) {
    const uint8_t *hm = b, *q = b + 32, *packed = b + 96;
    float d = half_at(b + 108);
    /* 16 6-bit scales: low nibbles in bytes 0..7 (two per byte), top 2 bits in bytes 8..11. */
    int8_t scales[16];
    for (int i = 0; i < 16; i++) {
        int low = i < 8 ? packed[i] & 0xF : packed[i - 8] >> 4;
        int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
        scales[i] = (int8_t)((low | high << 4) - 32);
    }
    int is = 0;
    uint8_t m = 1;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; half++) {
                float dl = d * (float)scales[is++];
                for (int l = 0; l < 16; l++) {
                    int idx = l + 16 * half;
                    int v = ((q[idx] >> shift) & 3) - ((hm[idx] & m) ? 0 : 4);
                    *y++ = dl * (float)v;
                }
            }
            m = (uint8_t)(m << 1);
        }
        q += 32;
    }
}

static void deq_q4_k(const uint8_t *b, float *y) {
    float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *scales = b + 4, *q = b + 16;
    for (int j = 0; j < 8; j += 2) {
        uint8_t sc, m;
        scale_min_k4(j, scales, &sc, &m);
        float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(j + 1, scales, &sc, &m);
        float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
        q += 32;
    }
}

static void deq_q5_k(const uint8_t *b, float *y) {
    float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *scales = b + 4, *qh = b + 16, *ql = b + 48;
    for (int j = 0; j < 8; j += 2) {
        uint8_t sc, m;
        scale_min_k4(j, scales, &sc, &m);
        float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(j + 1, scales, &sc, &m);
        float d2 = d * sc, m2 = dmin * m;
        uint8_t u1 = (uint8_t)(1u << j), u2 = (uint8_t)(2u << j);
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        ql += 32;
    }
}

static void deq_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = half_at(b + 208);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = (int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
            int q2 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

void ggml_dequantize(uint32_t type, const uint8_t *src, size_t n_blocks, float *dst) {
    uint32_t bb = ggml_block_bytes(type), be = ggml_block_elems(type);
    for (size_t i = 0; i < n_blocks; i++) {
        const uint8_t *b = src + i * bb;
        float *y = dst + i * be;
        switch (type) {
        case GGML_F32: memcpy(y, b, 4); break;
        case GGML_F16: *y = half_at(b); break;
        case GGML_BF16: *y = bf16_to_f32((uint16_t)(b[0] | b[1] << 8)); break;
        case GGML_Q4_0: deq_q4_0(b, y); break;
        case GGML_Q4_1: deq_q4_1(b, y); break;
        case GGML_Q5_0: deq_q5(b, y, false); break;
        case GGML_Q5_1: deq_q5(b, y, true); break;
        case GGML_Q8_0: deq_q8_0(b, y); break;
        case GGML_Q2_K: deq_q2_k(b, y); break;
        case GGML_Q3_K: deq_q3_k(b, y); break;
        case GGML_Q4_K: deq_q4_k(b, y); break;
        case GGML_Q5_K: deq_q5_k(b, y); break;
        case GGML_Q6_K: deq_q6_k(b, y); break;
        default: memset(y, 0, (size_t)be * sizeof *y); break;
        }
    }
}

static bool half_finite(const uint8_t *p) { return ((p[0] | p[1] << 8) & 0x7C00) != 0x7C00; }

bool ggml_block_finite(uint32_t type, const uint8_t *b) {
    switch (type) {
    case GGML_Q4_0: case GGML_Q5_0: case GGML_Q8_0: return half_finite(b);
    case GGML_Q4_1: case GGML_Q5_1: case GGML_Q4_K: case GGML_Q5_K: return half_finite(b) && half_finite(b + 2);
    case GGML_Q2_K: return half_finite(b + 80) && half_finite(b + 82);
    case GGML_Q3_K: return half_finite(b + 108);
    case GGML_Q6_K: return half_finite(b + 208);
    case GGML_F16: return half_finite(b);
    case GGML_BF16: return ((b[0] | b[1] << 8) & 0x7F80) != 0x7F80;
    case GGML_F32: return ((b[2] | b[3] << 8) & 0x7F80) != 0x7F80;
    default: return false;
    }
}

/* ---- quantization, one block ------------------------------------------------------------ */

static int clamp_int(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The value of largest magnitude, with its sign (ggml's symmetric types map it to the end of the
 * range that has one more level: -8 of -8..7, -16 of -16..15). */
static float signed_absmax(const float *x, int n) {
    float best = 0.0f;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > fabsf(best)) best = x[i];
    return best;
}

static void range_of(const float *x, int n, float *lo, float *hi) {
    *lo = *hi = x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < *lo) *lo = x[i];
        if (x[i] > *hi) *hi = x[i];
    }
}

static void q_q8_0(const float *x, uint8_t *b) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    half_put(b, d);
    for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)clamp_int((int)roundf(x[j] * id), -127, 127);
}

static void q_q4_0(const float *x, uint8_t *b) {
    float max = signed_absmax(x, 32);
    float d = max / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    half_put(b, d);
    for (int j = 0; j < 16; j++) {
        int q0 = clamp_int((int)(x[j] * id + 8.5f), 0, 15), q1 = clamp_int((int)(x[j + 16] * id + 8.5f), 0, 15);
        b[2 + j] = (uint8_t)(q0 | q1 << 4);
    }
}

static void q_q4_1(const float *x, uint8_t *b) {
    float lo, hi;
    range_of(x, 32, &lo, &hi);
    float d = (hi - lo) / 15.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    half_put(b, d);
    half_put(b + 2, lo);
    for (int j = 0; j < 16; j++) {
        int q0 = clamp_int((int)((x[j] - lo) * id + 0.5f), 0, 15);
        int q1 = clamp_int((int)((x[j + 16] - lo) * id + 0.5f), 0, 15);
        b[4 + j] = (uint8_t)(q0 | q1 << 4);
    }
}

static void q_q5(const float *x, uint8_t *b, bool has_min) {
    float d, lo = 0.0f, hi;
    if (has_min) {
        range_of(x, 32, &lo, &hi);
        d = (hi - lo) / 31.0f;
    } else {
        d = signed_absmax(x, 32) / -16.0f;
    }
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    half_put(b, d);
    if (has_min) half_put(b + 2, lo);
    uint8_t *p = b + (has_min ? 4 : 2);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        int q0, q1;
        if (has_min) {
            q0 = clamp_int((int)((x[j] - lo) * id + 0.5f), 0, 31);
            q1 = clamp_int((int)((x[j + 16] - lo) * id + 0.5f), 0, 31);
        } else {
            q0 = clamp_int((int)(x[j] * id + 16.5f), 0, 31);
            q1 = clamp_int((int)(x[j + 16] * id + 16.5f), 0, 31);
        }
        p[4 + j] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
        qh |= (uint32_t)(q0 >> 4) << j;
        qh |= (uint32_t)(q1 >> 4) << (j + 16);
    }
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(qh >> (8 * i));
}

/* Q4_K / Q5_K: 8 sub-blocks of 32 with y = d*sc*q - dmin*m. Each sub-block's step is its range
 * over the levels (its min clamped to <= 0, so m >= 0), then the 6-bit sc and m are rounded
 * against the super-block's d = max step / 63 and dmin = max min / 63, and each value is rounded
 * against the step its block really has. */
static void q_k_asym(const float *x, uint8_t *b, int levels, bool five_bit) {
    float step[8], mins[8], max_step = 0.0f, max_min = 0.0f;
    for (int s = 0; s < 8; s++) {
        float lo, hi;
        range_of(x + 32 * s, 32, &lo, &hi);
        if (lo > 0.0f) lo = 0.0f;
        mins[s] = -lo;
        step[s] = (hi - lo) / (float)levels;
        max_step = fmaxf(max_step, step[s]);
        max_min = fmaxf(max_min, mins[s]);
    }
    float d = max_step / 63.0f, dmin = max_min / 63.0f;
    half_put(b, d);
    half_put(b + 2, dmin);
    d = half_at(b);
    dmin = half_at(b + 2);
    uint8_t sc[8], mq[8];
    for (int s = 0; s < 8; s++) {
        sc[s] = (uint8_t)(d > 0.0f ? clamp_int((int)lrintf(step[s] / d), 0, 63) : 0);
        mq[s] = (uint8_t)(dmin > 0.0f ? clamp_int((int)lrintf(mins[s] / dmin), 0, 63) : 0);
    }
    uint8_t *packed = b + 4;
    memset(packed, 0, 12);
    for (int j = 0; j < 4; j++) {
        packed[j] = sc[j] & 63;
        packed[j + 4] = mq[j] & 63;
    }
    for (int j = 4; j < 8; j++) {
        packed[j + 4] = (uint8_t)((sc[j] & 0xF) | (mq[j] & 0xF) << 4);
        packed[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
        packed[j] |= (uint8_t)((mq[j] >> 4) << 6);
    }
    uint8_t L[256];
    for (int s = 0; s < 8; s++) {
        float ds = d * sc[s], ms = dmin * mq[s];
        for (int l = 0; l < 32; l++) {
            float v = x[32 * s + l];
            L[32 * s + l] = (uint8_t)(ds > 0.0f ? clamp_int((int)lrintf((v + ms) / ds), 0, levels) : 0);
        }
    }
    uint8_t *qh = five_bit ? b + 16 : NULL, *q = b + (five_bit ? 48 : 16);
    if (qh) memset(qh, 0, 32);
    for (int n = 0; n < 4; n++) {
        for (int l = 0; l < 32; l++) {
            uint8_t lo = L[64 * n + l], hi = L[64 * n + 32 + l];
            q[32 * n + l] = (uint8_t)((lo & 0xF) | (hi & 0xF) << 4);
            if (qh) qh[l] |= (uint8_t)(((lo >> 4) & 1) << (2 * n) | ((hi >> 4) & 1) << (2 * n + 1));
        }
    }
}

/* Q6_K: 16 sub-blocks of 16, y = d*sc*q with q in -32..31 and int8 sc. */
static void q_q6_k(const float *x, uint8_t *b) {
    float step[16], max_abs = 0.0f;
    for (int s = 0; s < 16; s++) {
        step[s] = signed_absmax(x + 16 * s, 16) / -32.0f;
        max_abs = fmaxf(max_abs, fabsf(step[s]));
    }
    float d = max_abs / 127.0f;
    half_put(b + 208, d);
    d = half_at(b + 208);
    int8_t *sc = (int8_t *)(b + 192);
    int8_t L[256];
    for (int s = 0; s < 16; s++) {
        sc[s] = (int8_t)(d > 0.0f ? clamp_int((int)lrintf(step[s] / d), -127, 127) : 0);
        float ds = d * sc[s];
        for (int l = 0; l < 16; l++)
            L[16 * s + l] = (int8_t)(ds != 0.0f ? clamp_int((int)lrintf(x[16 * s + l] / ds), -32, 31) : 0);
    }
    uint8_t *ql = b, *qh = b + 128;
    for (int n = 0; n < 2; n++) {
        for (int l = 0; l < 32; l++) {
            int base = 128 * n + l;
            uint8_t q1 = (uint8_t)(L[base] + 32), q2 = (uint8_t)(L[base + 32] + 32);
            uint8_t q3 = (uint8_t)(L[base + 64] + 32), q4 = (uint8_t)(L[base + 96] + 32);
            ql[64 * n + l] = (uint8_t)((q1 & 0xF) | (q3 & 0xF) << 4);
            ql[64 * n + l + 32] = (uint8_t)((q2 & 0xF) | (q4 & 0xF) << 4);
            qh[32 * n + l] = (uint8_t)((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
        }
    }
}

void ggml_quantize(uint32_t type, const float *src, size_t n_blocks, uint8_t *dst) {
    uint32_t bb = ggml_block_bytes(type), be = ggml_block_elems(type);
    for (size_t i = 0; i < n_blocks; i++) {
        const float *x = src + i * be;
        uint8_t *b = dst + i * bb;
        switch (type) {
        case GGML_F32: memcpy(b, x, 4); break;
        case GGML_F16: half_put(b, *x); break;
        case GGML_Q8_0: q_q8_0(x, b); break;
        case GGML_Q4_0: q_q4_0(x, b); break;
        case GGML_Q4_1: q_q4_1(x, b); break;
        case GGML_Q5_0: q_q5(x, b, false); break;
        case GGML_Q5_1: q_q5(x, b, true); break;
        case GGML_Q4_K: q_k_asym(x, b, 15, false); break;
        case GGML_Q5_K: q_k_asym(x, b, 31, true); break;
        case GGML_Q6_K: q_q6_k(x, b); break;
        default: memset(b, 0, bb); break;
        }
    }
}
