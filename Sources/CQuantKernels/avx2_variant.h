// The body of the AVX2 + FMA + F16C variants, compiled twice: kernels_avx2.c (Haswell / Zen 1 and
// later: ggml's maddubs sign trick for int8 × int8) and kernels_avx_vnni.c (Intel's client cores from
// Alder Lake: the same 256-bit code with AVX-VNNI's dpbusd for each maddubs + madd pair).
// The including file pushes the target, defines QK_FN, QK_SELF_VARIANT and QK_AVX_VNNI (0 or 1).
#include <immintrin.h>
#include <string.h>

#if QK_AVX_VNNI
#define QK_U8_DOT_IS_OFFSET 0
#else
#define QK_U8_DOT_IS_OFFSET 1
#endif
#include "x86_common.h"

#define QK_INLINE static inline __attribute__((always_inline))

// Σ of each four adjacent products u·s (u unsigned, s signed bytes) added to acc's int32 lanes. Without
// VNNI the pairs pass through int16 (maddubs saturates), so every caller keeps a pair sum within ±32,767.
QK_INLINE __m256i qk_dot_add(__m256i acc, __m256i u, __m256i s) {
#if QK_AVX_VNNI
    return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// 4-bit codes (0–15) against int8 activations: without VNNI the pair sums (at most 3,810) add up in
// int16 lanes, eight per lane at most, and qk_nibble_dots_widen turns them into int32 once per group;
// with VNNI each step adds into int32 lanes and widening is nothing.
QK_INLINE __m256i qk_nibble_dot_add(__m256i acc, __m256i codes, __m256i a) {
#if QK_AVX_VNNI
    return _mm256_dpbusd_avx_epi32(acc, codes, a);
#else
    return _mm256_add_epi16(acc, _mm256_maddubs_epi16(codes, a));
#endif
}

// acc + a step's dots summed from zero by qk_nibble_dot_add, so that the one-row decode's accumulator
// chain waits on an add rather than on dpbusd.
QK_INLINE __m256i qk_nibble_dots_add(__m256i acc, __m256i dots) {
#if QK_AVX_VNNI
    return _mm256_add_epi32(acc, dots);
#else
    return _mm256_add_epi16(acc, dots);
#endif
}

QK_INLINE __m256i qk_nibble_dots_widen(__m256i dots) {
#if QK_AVX_VNNI
    return dots;
#else
    return _mm256_madd_epi16(dots, _mm256_set1_epi16(1));
#endif
}

#include "block_dots_x86.h"

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

#include "decode_panels_avx2.h"
#include "unpacked_blocks.h"
#include "unpacked_decode_avx2.h"
#define QK_PREFILL_HEADER "prefill_avx2.h"
#include "kernel_template.h"

// f32 weights, one activation row (qk_f32_matvec): the AVX-512 kernel's shape with 8 lanes, four rows
// at a time (each x vector loaded once for all four) and two accumulators a row.
static void QK_FN(qk_f32_rows)(const float *w, size_t columns, const float *x, size_t r0, float *y, const int R) {
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

void QK_FN(qk_f32_matvec)(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    size_t r = row_begin;
    if (qk_decode_tile_rows(QK_SELF_VARIANT, qk_f32_tile_class(columns)) == 4)
        for (; r + 4 <= row_end; r += 4) QK_FN(qk_f32_rows)(w, columns, x, r, y, 4);
    for (; r < row_end; r++) QK_FN(qk_f32_rows)(w, columns, x, r, y, 1);
}

