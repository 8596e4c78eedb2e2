// AVX2 + FMA + F16C (Haswell / Zen 1 and later), ggml's maddubs sign trick for int8 × int8.
#include "variants.h"
#if QK_HAVE_X86_VARIANTS
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define QK_FN(name) name##_avx2
#define QK_U8_DOT_IS_OFFSET 1
#include "x86_common.h"

// maddubs saturates 16-bit pair sums, so uint8 codes are shifted to signed q − 128 first (255·127
// pairs would overflow); 4-bit codes are small and unsigned as they are.
static inline qk_wvec qk_prepare(const uint8_t *w, const int kind) {
    qk_wvec prepared;
    if (kind == QK_CODES_U4) {
        prepared.magnitude = qk_unpack_nibbles(w);
        prepared.sign = prepared.magnitude;
        return prepared;
    }
    __m256i codes = _mm256_loadu_si256((const __m256i *)w);
    if (kind == QK_CODES_U8) codes = _mm256_xor_si256(codes, _mm256_set1_epi8((char)0x80));
    prepared.magnitude = _mm256_sign_epi8(codes, codes);
    prepared.sign = codes;
    return prepared;
}

static inline __m256i qk_dot_prepared(const qk_wvec w, const int8_t *a, const int kind) {
    __m256i activations = _mm256_loadu_si256((const __m256i *)a);
    if (kind != QK_CODES_U4) activations = _mm256_sign_epi8(activations, w.sign);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w.magnitude, activations), _mm256_set1_epi16(1));
}

// |w| ≤ 32 keeps maddubs' pair sums (at most 2·32·127) inside int16. Lanes 0–3 of the dword sums are
// the first 16 values, lanes 4–7 the last.
static inline __m256 qk_acc_add_halves(__m256 acc, const int8_t *w, const int8_t *a, float s0, float s1) {
    const __m256i codes = _mm256_loadu_si256((const __m256i *)w);
    const __m256i signed_a = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)a), codes);
    const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(codes, codes), signed_a), _mm256_set1_epi16(1));
    return _mm256_fmadd_ps(_mm256_setr_m128(_mm_set1_ps(s0), _mm_set1_ps(s1)), _mm256_cvtepi32_ps(dot), acc);
}

static inline __m256 qk_load8_half(const uint16_t *p, int is_bf16) {
    const __m128i raw = _mm_loadu_si128((const __m128i *)p);
    if (is_bf16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
    return _mm256_cvtph_ps(raw);
}

typedef __m256 qk_hvec;
#define QK_HLANES 8
#define QK_HZERO() _mm256_setzero_ps()
#define QK_HLOAD(p, bf16) qk_load8_half(p, bf16)
#define QK_XLOAD(p) _mm256_loadu_ps(p)
#define QK_HFMA(w, x, acc) _mm256_fmadd_ps(w, x, acc)
#define QK_HADD(a, b) _mm256_add_ps(a, b)
#define QK_HSUM(v) qk_sum256(v)

#define QK_INLINE static inline __attribute__((always_inline))
#include "decode_panels_avx2.h"
#include "unpacked_blocks.h"
#include "unpacked_decode_avx2.h"
#define QK_PREFILL_HEADER "prefill_avx2.h"
#include "kernel_template.h"

// f32 weights, one activation row (qk_f32_matvec): the AVX-512 kernel's shape with 8 lanes, four rows
// at a time (each x vector loaded once for all four) and two accumulators a row.
static void qk_f32_rows_avx2(const float *w, size_t columns, const float *x, size_t r0, float *y, const int R) {
    const float *rows[4];
    __m256 acc[4][2];
    for (int i = 0; i < R; i++) { rows[i] = w + (r0 + (size_t)i) * columns; acc[i][0] = acc[i][1] = _mm256_setzero_ps(); }
    size_t c = 0;
    for (; c + 16 <= columns; c += 16) {
        const __m256 x0 = _mm256_loadu_ps(x + c), x1 = _mm256_loadu_ps(x + c + 8);
        for (int i = 0; i < R; i++) {
            acc[i][0] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[i] + c), x0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[i] + c + 8), x1, acc[i][1]);
        }
    }
    for (; c < columns; c += 8) {
        const __m256i live = qk_live8(columns - c);
        const __m256 xv = _mm256_maskload_ps(x + c, live);
        for (int i = 0; i < R; i++) acc[i][0] = _mm256_fmadd_ps(_mm256_maskload_ps(rows[i] + c, live), xv, acc[i][0]);
    }
    for (int i = 0; i < R; i++) y[r0 + (size_t)i] = qk_sum256(_mm256_add_ps(acc[i][0], acc[i][1]));
}

void qk_f32_matvec_avx2(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    size_t r = row_begin;
    if (qk_decode_tile_rows(QK_VARIANT_AVX2, qk_f32_tile_class(columns)) == 4)
        for (; r + 4 <= row_end; r += 4) qk_f32_rows_avx2(w, columns, x, r, y, 4);
    for (; r < row_end; r++) qk_f32_rows_avx2(w, columns, x, r, y, 1);
}

#pragma clang attribute pop
#endif
