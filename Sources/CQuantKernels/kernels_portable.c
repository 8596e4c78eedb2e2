// Plain C: runs on any CPU and is the baseline every SIMD variant is tested against.
#include <string.h>
#include "variants.h"
#include "half.h"

#define QK_FN(name) name##_portable
typedef float qk_acc;
typedef int32_t qk_idot;
#define QK_ACC_ZERO() 0.0f
#define QK_ACC_ADD(acc, scale, idot) ((acc) + (scale) * (float)(idot))
#define QK_ACC_SUM(acc) (acc)
#define QK_U8_DOT_IS_OFFSET 0
#define QK_HALF(bits) qk_half_bits_to_float(bits)
typedef float qk_hvec;
#define QK_HLANES 1
#define QK_HZERO() 0.0f
#define QK_HLOAD(p, bf16) ((bf16) ? qk_bf16_bits_to_float(*(p)) : qk_half_bits_to_float(*(p)))
#define QK_XLOAD(p) (*(p))
#define QK_HFMA(w, x, acc) ((acc) + (w) * (x))
#define QK_HADD(a, b) ((a) + (b))
#define QK_HSUM(v) (v)

static inline int32_t qk_dot_i8(const uint8_t *w, const int8_t *a) {
    int32_t sum = 0;
    for (int j = 0; j < QK_BLOCK; j++) sum += (int8_t)w[j] * a[j];
    return sum;
}

static inline int32_t qk_dot_u8(const uint8_t *w, const int8_t *a) {
    int32_t sum = 0;
    for (int j = 0; j < QK_BLOCK; j++) sum += w[j] * a[j];
    return sum;
}

static inline int32_t qk_dot_u4(const uint8_t *w, const int8_t *a) {
    int32_t sum = 0;
    for (int j = 0; j < QK_BLOCK / 2; j++) sum += (w[j] & 0x0F) * a[j] + (w[j] >> 4) * a[j + QK_BLOCK / 2];
    return sum;
}

#include "kernel_template.h"
