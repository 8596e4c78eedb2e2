// Quantizing activation rows and widening halves: shared by every variant so that all of them
// multiply exactly the same integers.
#include <math.h>
#include <string.h>
#include "quant_kernels.h"
#include "half.h"

float qk_half_to_float(uint16_t h) { return qk_half_bits_to_float(h); }

void qk_quantize_activation_row(const float *x, size_t columns, size_t blocks, int8_t *codes, float *scales,
                                float *scaled_sums) {
    for (size_t b = 0; b < blocks; b++) {
        const size_t begin = b * QK_BLOCK;
        const size_t count = begin >= columns ? 0 : (columns - begin < QK_BLOCK ? columns - begin : QK_BLOCK);
        float amax = 0.0f;
        for (size_t j = 0; j < count; j++) amax = fmaxf(amax, fabsf(x[begin + j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int32_t sum = 0;
        for (size_t j = 0; j < QK_BLOCK; j++) {
            // Non-finite activations make amax non-finite; clamping keeps the conversion defined and the
            // result then carries the NaN/infinity through the scale.
            const float scaled = j < count ? roundf(x[begin + j] * id) : 0.0f;
            const int8_t code = scaled >= 127.0f ? 127 : scaled <= -127.0f ? -127 : (scaled == scaled ? (int8_t)scaled : 0);
            codes[begin + j] = code;
            sum += code;
        }
        scales[b] = d;
        scaled_sums[b] = d * (float)sum;
    }
}
