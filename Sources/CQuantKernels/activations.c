// Quantizing activation rows and widening halves: shared by every variant so that all of them
// multiply exactly the same integers.
#include <math.h>
#include <string.h>
#include "variants.h"
#include "half.h"
#include "row_kernels.h"

float qk_half_to_float(uint16_t h) { return qk_half_bits_to_float(h); }

#if QK_HAVE_X86_VARIANTS
#include <immintrin.h>
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "x86_common.h"
#pragma clang attribute pop

// The same quantization, 32 values per block in two vectors; every step matches the scalar loop's
// float operation (one multiply by the same reciprocal, roundf's half-away-from-zero rounding, the same
// clamps and NaN → 0), so the codes are identical. Prefill quantizes every activation row before each
// product, and the scalar loop (roundf is a libm call) measured about a quarter of SmolLM2's prefill.
__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")))
static void qk_quantize_activation_row_avx512(const float *x, size_t columns, size_t blocks, int8_t *codes,
                                              float *scales, float *scaled_sums, const float *shared_amax) {
    const __m512 half = _mm512_set1_ps(0.5f), limit = _mm512_set1_ps(127.0f);
    for (size_t b = 0; b < blocks; b++) {
        const size_t begin = b * QK_BLOCK;
        const size_t count = begin >= columns ? 0 : (columns - begin < QK_BLOCK ? columns - begin : QK_BLOCK);
        const __mmask16 live[2] = {(__mmask16)(count >= 16 ? 0xFFFF : (1u << count) - 1),
                                   (__mmask16)(count <= 16 ? 0 : count >= 32 ? 0xFFFF : (1u << (count - 16)) - 1)};
        __m512 v[2];
        __m512 amax = _mm512_setzero_ps();
        for (int k = 0; k < 2; k++) {
            v[k] = _mm512_maskz_loadu_ps(live[k], x + begin + 16 * k);
            amax = _mm512_max_ps(_mm512_abs_ps(v[k]), amax);  // a NaN lane yields amax, as fmaxf ignores NaN
        }
        const float d = (shared_amax ? shared_amax[b / 8] : _mm512_reduce_max_ps(amax)) / 127.0f;
        const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        __m512i sum = _mm512_setzero_si512();
        for (int k = 0; k < 2; k++) {
            const __m512 scaled = _mm512_mul_ps(v[k], id);
            const __m512 whole = _mm512_roundscale_ps(scaled, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            const __mmask16 away = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(scaled, whole)), half, _CMP_GE_OQ);
            __m512 rounded = _mm512_mask_add_ps(whole, away, whole,
                                                _mm512_or_ps(_mm512_set1_ps(1.0f), _mm512_and_ps(scaled, _mm512_set1_ps(-0.0f))));
            rounded = _mm512_max_ps(_mm512_min_ps(rounded, limit), _mm512_sub_ps(_mm512_setzero_ps(), limit));
            const __mmask16 number = _mm512_cmp_ps_mask(scaled, scaled, _CMP_ORD_Q);
            const __m512i code = _mm512_maskz_cvttps_epi32(number, rounded);
            _mm_storeu_si128((__m128i *)(codes + begin + 16 * k), _mm512_cvtsepi32_epi8(code));
            sum = _mm512_add_epi32(sum, code);
        }
        scales[b] = d;
        scaled_sums[b] = d * (float)_mm512_reduce_add_epi32(sum);
    }
}

// The same steps with 8 lanes (Zen 3 and other CPUs without AVX-512): the scalar loop was 12% of a
// Q4_0 prefill profile on such a CPU, most of it in roundf calls.
__attribute__((target("avx2,fma")))
static void qk_quantize_activation_row_avx2(const float *x, size_t columns, size_t blocks, int8_t *codes,
                                            float *scales, float *scaled_sums, const float *shared_amax) {
    const __m256 half = _mm256_set1_ps(0.5f), limit = _mm256_set1_ps(127.0f), sign_bit = _mm256_set1_ps(-0.0f);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t b = 0; b < blocks; b++) {
        const size_t begin = b * QK_BLOCK;
        const size_t count = begin >= columns ? 0 : (columns - begin < QK_BLOCK ? columns - begin : QK_BLOCK);
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count - 8 * k), lane);
            v[k] = _mm256_maskload_ps(x + begin + 8 * k, live);
            amax = _mm256_max_ps(_mm256_andnot_ps(sign_bit, v[k]), amax);  // a NaN lane yields amax, as fmaxf ignores NaN
        }
        const float d = (shared_amax ? shared_amax[b / 8] : qk_max256(amax)) / 127.0f;
        const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        __m256i code[4];
        __m256i sum = _mm256_setzero_si256();
        for (int k = 0; k < 4; k++) {
            const __m256 scaled = _mm256_mul_ps(v[k], id);
            const __m256 whole = _mm256_round_ps(scaled, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            const __m256 away = _mm256_cmp_ps(_mm256_andnot_ps(sign_bit, _mm256_sub_ps(scaled, whole)), half, _CMP_GE_OQ);
            const __m256 step = _mm256_and_ps(away, _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(scaled, sign_bit)));
            __m256 rounded = _mm256_add_ps(whole, step);
            rounded = _mm256_max_ps(_mm256_min_ps(rounded, limit), _mm256_sub_ps(_mm256_setzero_ps(), limit));
            const __m256 number = _mm256_cmp_ps(scaled, scaled, _CMP_ORD_Q);
            code[k] = _mm256_cvttps_epi32(_mm256_and_ps(number, rounded));
            sum = _mm256_add_epi32(sum, code[k]);
        }
        // packs works within 128-bit lanes; the permute puts the 32 codes back in order.
        const __m256i words = _mm256_packs_epi32(code[0], code[1]), words2 = _mm256_packs_epi32(code[2], code[3]);
        const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(words, words2), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(codes + begin), bytes);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
        scales[b] = d;
        scaled_sums[b] = d * (float)_mm_cvtsi128_si32(s);
    }
}
#endif

// Blocks of 32 with their own scales, or (shared_amax set) the scale of their group of 8 blocks.
static void qk_quantize_blocks(const float *x, size_t columns, size_t blocks, int8_t *codes, float *scales,
                               float *scaled_sums, const float *shared_amax) {
#if QK_HAVE_X86_VARIANTS
    if (qk_variant_available(QK_VARIANT_AVX512_VNNI) && rk_vector_allowed() >= 2) {
        qk_quantize_activation_row_avx512(x, columns, blocks, codes, scales, scaled_sums, shared_amax);
        return;
    }
    if (qk_variant_available(QK_VARIANT_AVX2) && rk_vector_allowed() >= 1) {
        qk_quantize_activation_row_avx2(x, columns, blocks, codes, scales, scaled_sums, shared_amax);
        return;
    }
#endif
    for (size_t b = 0; b < blocks; b++) {
        const size_t begin = b * QK_BLOCK;
        const size_t count = begin >= columns ? 0 : (columns - begin < QK_BLOCK ? columns - begin : QK_BLOCK);
        float amax = 0.0f;
        for (size_t j = 0; j < count; j++) amax = fmaxf(amax, fabsf(x[begin + j]));
        const float d = (shared_amax ? shared_amax[b / 8] : amax) / 127.0f;
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

void qk_quantize_activation_row(const float *x, size_t columns, size_t blocks, int8_t *codes, float *scales,
                                float *scaled_sums) {
    qk_quantize_blocks(x, columns, blocks, codes, scales, scaled_sums, NULL);
}

void qk_quantize_activation_row_shared(const float *x, size_t columns, size_t blocks, size_t blocks_per_scale,
                                       int8_t *codes, float *scales, float *scaled_sums) {
    if (blocks_per_scale != 8) {
        qk_quantize_blocks(x, columns, blocks, codes, scales, scaled_sums, NULL);
        return;
    }
    // Group by group: its amax (fmaxf ignores NaN, as the per-block forms do), then its blocks.
    for (size_t first = 0; first < blocks; first += 8) {
        const size_t begin = first * QK_BLOCK, end = begin + 256 < columns ? begin + 256 : columns;
        float amax = 0.0f;
        for (size_t j = begin; j < end; j++) amax = fmaxf(amax, fabsf(x[j]));
        const size_t group_blocks = blocks - first < 8 ? blocks - first : 8;
        qk_quantize_blocks(x + begin, begin < columns ? columns - begin : 0, group_blocks, codes + begin, scales + first,
                           scaled_sums + first, &amax);
    }
}
