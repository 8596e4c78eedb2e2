// The float side of the AVX2 and AVX-512 unpacked decoders (unpacked_decode_avx2.h,
// unpacked_decode_avx512.h), 256-bit in both: the per-block factors (weight scale times activation
// scale) that multiply the integer sums, the offset terms that go through the activations' scaled
// sums, and the blocks of a Q5_x row left after its groups of eight. Included once by each.
#ifndef QUANT_KERNELS_UNPACKED_FACTORS_X86_H
#define QUANT_KERNELS_UNPACKED_FACTORS_X86_H

// A Q4_K/Q5_K super-block: returns d·sc_j·sa_j for sub-blocks j = 0..7 and adds −dmin·m_j·ss_j to *offsets.
QK_INLINE __m256 QK_FN(q4_k_factors)(const uint8_t *block, const float *sa, const float *ss, __m256 *offsets) {
    const float d = qk_unit_half_at(block), dmin = qk_unit_half_at(block + 2);
    uint64_t scale_bytes, minimum_bytes;
    qk_kquant_scales_minima(block + 4, &scale_bytes, &minimum_bytes);
    const __m256i scales = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)scale_bytes));
    const __m256i minima = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)minimum_bytes));
    const __m256 minimum_terms = _mm256_mul_ps(_mm256_set1_ps(-dmin), _mm256_cvtepi32_ps(minima));
    *offsets = _mm256_fmadd_ps(minimum_terms, _mm256_loadu_ps(ss), *offsets);
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(scales)), _mm256_loadu_ps(sa));
}

// What every Q2_K, Q3_K and Q6_K row of a call shares, per 256 activation values: the 16-value code sums in
// the lanes the variant's dots fold into, each lane's activation block scale, and the sums times their
// scales in group order (what Q2_K's minima multiply). Formed once a call, not once a weight row: the
// dot of a super-block then permutes only its own scales (measured on Llama-7B Q2_K, AVX-512, 1 thread:
// 4.2 → 4.5 tok/s). Sixteen of each per 256 values, each kind in its own array: the types that read two
// of the three then keep less of them in L1 beside the activation codes.
typedef struct {
    int32_t *code_sums;
    float *lane_scales;
    float *scaled_sums;
} qk_activation_groups;

// The groups of super-block s.
static inline qk_activation_groups qk_groups_of_unit(const qk_activation_groups *groups, size_t s) {
    return (qk_activation_groups){groups->code_sums + 16 * s, groups->lane_scales + 16 * s, groups->scaled_sums + 16 * s};
}

// Q3_K's sixteen scales minus 32 as bytes of one vector: qk_q3_k_scale_words in registers (word j takes
// the low or high nibbles, j / 2, of word j % 2 of q[0..7] and bits 2j, 2j + 1 of each byte of q[8..11]),
// where its four stores read back as one vector could not be forwarded.
static inline __m128i qk_q3_k_scale_bytes(const uint8_t *q) {
    uint32_t top;
    memcpy(&top, q + 8, 4);
    const __m128i nibble_words = _mm_shuffle_epi32(_mm_loadl_epi64((const __m128i *)q), _MM_SHUFFLE(1, 0, 1, 0));
    const __m128i low = _mm_and_si128(_mm_srlv_epi32(nibble_words, _mm_setr_epi32(0, 0, 4, 4)), _mm_set1_epi8(0x0F));
    const __m128i high = _mm_and_si128(_mm_srlv_epi32(_mm_set1_epi32((int)top), _mm_setr_epi32(0, 2, 4, 6)), _mm_set1_epi8(3));
    return _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi32(high, 4)), _mm_set1_epi8(32));
}

// Eight Q5_0 (w = d·(u − 16)) or Q5_1 (w = d·u + m) blocks from `first`, codes taken unsigned: returns
// d_j·sa_j and adds c_j·ss_j to *offsets (c = m, or −16·d).
QK_INLINE __m256 QK_FN(q5_factors)(const uint8_t *first, size_t block_bytes, const int with_minimum, const float *sa,
                                    const float *ss, __m256 *offsets) {
    float scale[8], offset[8];
    for (int j = 0; j < 8; j++) {
        const uint8_t *block = first + (size_t)j * block_bytes;
        scale[j] = qk_unit_half_at(block);
        offset[j] = with_minimum ? qk_unit_half_at(block + 2) : -16.0f * scale[j];
    }
    *offsets = _mm256_fmadd_ps(_mm256_loadu_ps(offset), _mm256_loadu_ps(ss), *offsets);
    return _mm256_mul_ps(_mm256_loadu_ps(scale), _mm256_loadu_ps(sa));
}

// Blocks [first, end) of a row of blocks of 32 (Q5_0, Q5_1, IQ4_NL) one at a time, through the generic
// unpacking (rows that end inside a group of eight blocks, as SmolLM2's 576 columns do).
QK_INLINE __m256 QK_FN(block_tail)(const uint8_t *row, const int layout, const qk_activations *x, size_t first, size_t end,
                                    __m256 acc, float *offset) {
    const size_t block_bytes = qk_unit_bytes(layout);
    qk_unpacked_unit u;
    for (size_t b = first; b < end; b++) {
        qk_unpack_unit(row + b * block_bytes, layout, &u);
        acc = qk_acc_add_halves(acc, u.codes, x->codes + b * QK_BLOCK, u.scales[0] * x->scales[b], u.scales[1] * x->scales[b]);
        *offset += u.offsets[0] * x->scaled_sums[b];
    }
    return acc;
}

#endif
