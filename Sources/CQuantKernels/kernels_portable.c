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

// Nothing to decode ahead: the "prepared" block is its address.
typedef const uint8_t *qk_wvec;
#define qk_prepare(w, kind) (w)

static inline int32_t qk_dot_prepared(const uint8_t *w, const int8_t *a, const int kind) {
    int32_t sum = 0;
    if (kind == QK_CODES_U4) {
        for (int j = 0; j < QK_BLOCK / 2; j++) sum += (w[j] & 0x0F) * a[j] + (w[j] >> 4) * a[j + QK_BLOCK / 2];
    } else if (kind == QK_CODES_U8) {
        for (int j = 0; j < QK_BLOCK; j++) sum += w[j] * a[j];
    } else {
        for (int j = 0; j < QK_BLOCK; j++) sum += (int8_t)w[j] * a[j];
    }
    return sum;
}

static inline float qk_acc_add_halves(float acc, const int8_t *w, const int8_t *a, float s0, float s1) {
    int32_t first = 0, second = 0;
    for (int j = 0; j < QK_BLOCK / 2; j++) first += w[j] * a[j];
    for (int j = QK_BLOCK / 2; j < QK_BLOCK; j++) second += w[j] * a[j];
    return acc + s0 * (float)first + s1 * (float)second;
}

#include "kernel_template.h"
