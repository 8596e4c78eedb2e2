// bf16 weight matrix × f32 vector (decode), reading the bf16 weights directly: no f32 copy of the
// matrix, no scratch. Variants chosen at run time; the portable one is always available.
#ifndef BF16_MATVEC_H
#define BF16_MATVEC_H

#include <stddef.h>
#include <stdint.h>

enum {
    BF16MV_PORTABLE = 0,   // scalar: widen each weight (a 16-bit shift) and multiply-add in f32
    BF16MV_AVX512F = 1,    // 16 lanes: widen by shift, f32 FMA (exact products)
    BF16MV_AVX512BF16 = 2, // vdpbf16ps on the bf16 weights; x split into bf16 hi + lo parts (~16-bit mantissa)
    BF16MV_AVX2 = 3,       // 8 lanes: widen by shift, f32 FMA (exact products), for CPUs without AVX-512
    BF16MV_COUNT = 4
};

int bf16mv_available(int variant);
int bf16mv_best(void);
const char *bf16mv_name(int variant);

// Elements of the prepared-x buffer `bf16mv_prepare` fills (0 when the variant needs none).
size_t bf16mv_prepared_count(int variant, size_t columns);
// Converts x once per call for the variants that want it (AVX512BF16: hi/lo bf16 parts).
void bf16mv_prepare(int variant, const float *x, size_t columns, uint16_t *prepared);
// y[r - row_begin] = sum_c w[r, c] · x[c] for r in [row_begin, row_end); w is row-major [rows, columns].
void bf16mv_rows(int variant, const uint16_t *w, size_t columns, const float *x, const uint16_t *prepared,
                 size_t row_begin, size_t row_end, float *y);
// float → bf16 bits, rounded to nearest even like the hardware conversion.
uint16_t bf16mv_round(float value);

#endif
