// AVX2 + FMA + F16C (Haswell / Zen 1 and later), ggml's maddubs sign trick for int8 × int8.
#include "variants.h"
#if QK_HAVE_X86_VARIANTS
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define QK_FN(name) name##_avx2
typedef __m256 qk_acc;
typedef __m256i qk_idot;
#define QK_ACC_ZERO() _mm256_setzero_ps()
#define QK_ACC_ADD(acc, scale, idot) _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(idot), acc)
#define QK_ACC_SUM(acc) qk_sum_avx2(acc)
#define QK_U8_DOT_IS_OFFSET 1
#define QK_HALF(bits) _cvtsh_ss(bits)

static inline float qk_sum_avx2(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

// Σ u·s over 32 unsigned × signed bytes, as 8 int32 lanes (pairs cannot saturate for u ≤ 128).
static inline __m256i qk_dot_us(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

static inline __m256i qk_dot_signed(__m256i w, __m256i a) {
    return qk_dot_us(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

static inline __m256i qk_dot_i8(const uint8_t *w, const int8_t *a) {
    return qk_dot_signed(_mm256_loadu_si256((const __m256i *)w), _mm256_loadu_si256((const __m256i *)a));
}

// maddubs would saturate on 255·127 pairs, so unsigned codes are shifted to signed (q − 128).
static inline __m256i qk_dot_u8(const uint8_t *w, const int8_t *a) {
    const __m256i shifted = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)w), _mm256_set1_epi8((char)0x80));
    return qk_dot_signed(shifted, _mm256_loadu_si256((const __m256i *)a));
}

static inline __m256i qk_nibbles(const uint8_t *w) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)w);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

static inline __m256i qk_dot_u4(const uint8_t *w, const int8_t *a) {
    return qk_dot_us(qk_nibbles(w), _mm256_loadu_si256((const __m256i *)a));
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
#define QK_HSUM(v) qk_sum_avx2(v)

#include "kernel_template.h"

#pragma clang attribute pop
#endif
