// Pieces the AVX2 and AVX-512 variants share: 256-bit float accumulators, reductions and lane masks,
// and the weight-block form. Included after a `#pragma clang attribute push` of AVX2 or more (the
// variant files, row_kernels.c, activations.c, bf16_matvec.c), so every copy is compiled for that instruction set.
#ifndef QUANT_KERNELS_X86_COMMON_H
#define QUANT_KERNELS_X86_COMMON_H

typedef __m256 qk_acc;
typedef __m256i qk_idot;
#define QK_ACC_ZERO() _mm256_setzero_ps()
#define QK_ACC_ADD(acc, scale, idot) _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(idot), acc)
#define QK_ACC_SUM(acc) qk_sum256(acc)
#define QK_HALF(bits) _cvtsh_ss(bits)

// A software prefetch into L2 (`to_l2`) or L1: the hint must be a constant, so the choice is a branch
// the loop-invariant flag makes free.
#define QK_PREFETCH(address, to_l2)                                                      \
    do {                                                                                   \
        if (to_l2) _mm_prefetch((const char *)(address), _MM_HINT_T1);                     \
        else _mm_prefetch((const char *)(address), _MM_HINT_T0);                          \
    } while (0)

static inline float qk_sum256(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

static inline float qk_max256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

// All-ones in the first min(left, 8) int32 lanes: the mask of a loop's last, partial vector.
static inline __m256i qk_live8(size_t left) {
    const int count = left >= 8 ? 8 : (int)left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// A weight block as an unsigned × signed byte product wants it: unsigned magnitudes, plus the signs
// to move onto the activations when the codes are signed (ggml's sign trick).
typedef struct { __m256i magnitude, sign; } qk_wvec;

// 16 bytes of 4-bit codes → 32 bytes 0..15 (low nibbles first: values j and j + 16 share byte j).
static inline __m256i qk_unpack_nibbles(const uint8_t *w) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)w);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
}

#endif
