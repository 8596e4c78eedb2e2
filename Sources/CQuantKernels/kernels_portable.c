// Plain C: runs on any CPU and is the baseline every SIMD variant is tested against.
#include <string.h>
#include "variants.h"

#define QK_FN(name) name##_portable
typedef float qk_acc;
typedef int32_t qk_idot;
#define QK_ACC_ZERO() 0.0f
#define QK_ACC_ADD(acc, scale, idot) ((acc) + (scale) * (float)(idot))
#define QK_ACC_SUM(acc) (acc)
#define QK_U8_DOT_IS_OFFSET 0
#define QK_HALF(bits) qk_half_to_float(bits)

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

static inline float bf16_to_float(uint16_t bits) {
    const uint32_t widened = (uint32_t)bits << 16;
    float value;
    memcpy(&value, &widened, 4);
    return value;
}

void qk_half_matmul_portable(const uint16_t *w, int is_bf16, size_t columns, const float *x, size_t x_rows,
                             size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    for (size_t r = row_begin; r < row_end; r++) {
        const uint16_t *row = w + r * columns;
        for (size_t t = 0; t < x_rows; t++) {
            const float *xt = x + t * columns;
            float sum = 0.0f;
            for (size_t c = 0; c < columns; c++) sum += (is_bf16 ? bf16_to_float(row[c]) : qk_half_to_float(row[c])) * xt[c];
            y[t * y_stride + r] = sum;
        }
    }
}
