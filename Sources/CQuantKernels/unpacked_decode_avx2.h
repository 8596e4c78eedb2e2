// AVX2 decode (one activation row) of Q2_K … Q6_K, Q5_0, Q5_1 and IQ4_NL with codes formed in registers, as
// unpacked_decode_avx512.h does with 256-bit vectors: each 32 values' codes (unsigned, at most 63)
// meet their activations in maddubs (pair sums stay inside int16), eight such dots per 256 values are
// folded by two 4 × 4 transpose-adds into 16-value sums, and the float work is two FMAs per 256
// values; Q5_K is Q4_K with a fifth bit per code. Against activations whose 256 values share one scale
// (blocks_per_scale 8: one-row inputs of the k-quants, as ggml's Q8_K), Q2_K … Q6_K take the *_shared
// forms: the weights' integer sub-block scales enter madd in place of ones, and the folds and
// per-block factors give way to one conversion and one FMA per 256 values.
// Included by avx2_variant.h after the primitives.

#define QK_HAVE_UNPACKED_DECODE 1
#include "unpacked_factors_x86.h"
#include <stdlib.h>

// Σ code·a over 32 values as 8 dword lanes (lanes 0–3 the first 16 values, 4–7 the last).
QK_INLINE __m256i QK_FN(dot32)(__m256i codes, const int8_t *a) {
    return qk_dot_add(_mm256_setzero_si256(), codes, _mm256_loadu_si256((const __m256i *)a));
}

// Four 32-value dots → lane 4h + k is the sum of 16-value half h of dot k.
QK_INLINE __m256i QK_FN(half_sums_4x4)(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    const __m256i s01 = _mm256_add_epi32(_mm256_unpacklo_epi32(v0, v1), _mm256_unpackhi_epi32(v0, v1));
    const __m256i s23 = _mm256_add_epi32(_mm256_unpacklo_epi32(v2, v3), _mm256_unpackhi_epi32(v2, v3));
    return _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
}

// Eight 32-value dots (blocks 0–7 of 256 values) into acc: `first` and `second` hold the factor of
// lane 4h + k for blocks k and 4 + k, half h.
QK_INLINE __m256 QK_FN(accumulate_eight)(const __m256i dots[8], __m256 first, __m256 second, __m256 acc) {
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(QK_FN(half_sums_4x4)(dots[0], dots[1], dots[2], dots[3])), first, acc);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(QK_FN(half_sums_4x4)(dots[4], dots[5], dots[6], dots[7])), second, acc);
}

// Per-block factors f[0..7] spread over both halves of each block, for blocks 0–3 and 4–7.
QK_INLINE void QK_FN(block_factor_lanes)(__m256 factors, __m256 *first, __m256 *second) {
    *first = _mm256_permutevar8x32_ps(factors, _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3));
    *second = _mm256_permutevar8x32_ps(factors, _mm256_setr_epi32(4, 5, 6, 7, 4, 5, 6, 7));
}

// Byte j all ones when bit j of `bits` is set.
QK_INLINE __m256i QK_FN(bytes_from_bits)(uint32_t bits) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits),
                                               _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

// The codes of a Q4_K (Q5_K) super-block's sub-blocks 2p (low nibbles) and 2p + 1 (high nibbles), from
// its 32 code bytes of pair p; Q5_K's fifth bits `fifth` are qh, bit j of byte l for sub-block j.
QK_INLINE void QK_FN(q4_k_codes)(const uint8_t *block, const int five_bit, __m256i fifth, const int p, __m256i *low, __m256i *high) {
    const __m256i nibble = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const __m256i packed = _mm256_loadu_si256((const __m256i *)(block + (five_bit ? 48 : 16) + 32 * p));
    *low = _mm256_and_si256(packed, nibble);
    *high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
    if (five_bit) {
        const __m256i low_bit = _mm256_and_si256(_mm256_srl_epi16(fifth, _mm_cvtsi32_si128(2 * p)), one);
        const __m256i high_bit = _mm256_and_si256(_mm256_srl_epi16(fifth, _mm_cvtsi32_si128(2 * p + 1)), one);
        *low = _mm256_or_si256(*low, _mm256_slli_epi16(low_bit, 4));
        *high = _mm256_or_si256(*high, _mm256_slli_epi16(high_bit, 4));
    }
}

// Q4_K, and Q5_K (fifth code bit of sub-block j, value l: bit j of qh[l]).
QK_INLINE __m256 QK_FN(q4_k_super_block)(const uint8_t *block, const int five_bit, const int8_t *a, const float *sa, const float *ss,
                                          __m256 acc, __m256 *offsets) {
    const __m256 factors = QK_FN(q4_k_factors)(block, sa, ss, offsets);
    const __m256i fifth = five_bit ? _mm256_loadu_si256((const __m256i *)(block + 16)) : _mm256_setzero_si256();
    __m256i dots[8];
    for (int p = 0; p < 4; p++) {
        __m256i low, high;
        QK_FN(q4_k_codes)(block, five_bit, fifth, p, &low, &high);
        dots[2 * p] = QK_FN(dot32)(low, a + 64 * p);
        dots[2 * p + 1] = QK_FN(dot32)(high, a + 64 * p + 32);
    }
    __m256 first, second;
    QK_FN(block_factor_lanes)(factors, &first, &second);
    return QK_FN(accumulate_eight)(dots, first, second, acc);
}

// Q4_K and Q5_K against activations with one scale per 256 values (blocks_per_scale 8, as ggml's Q8_K):
// each block's dot is multiplied by its 6-bit sub-block scale in madd (where the form above madds by
// ones), the eight blocks add in int32 lanes (at most 8 · 2 · 63 · 2 · 31 · 127 per lane), and the
// super-block pays one conversion and one FMA by d·sa in place of the folds and eight factors. Minima
// go through the scaled sums as above. Llama-7B Q4_K_M, AVX2, 1 thread, Zen 5: see BENCHMARKS.md.
QK_INLINE __m256 QK_FN(q4_k_super_block_shared)(const uint8_t *block, const int five_bit, const int8_t *a, const float sa,
                                                 const float *ss, __m256 acc, __m256 *offsets) {
    const float d = qk_unit_half_at(block), dmin = qk_unit_half_at(block + 2);
    uint64_t scale_bytes, minimum_bytes;
    qk_kquant_scales_minima(block + 4, &scale_bytes, &minimum_bytes);
    const __m256i minima = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)minimum_bytes));
    *offsets = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(-dmin), _mm256_cvtepi32_ps(minima)), _mm256_loadu_ps(ss), *offsets);
    // The eight scales as int16 in both 128-bit halves: block j's scale is broadcast by one shuffle.
    const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)scale_bytes)));
    const __m256i fifth = five_bit ? _mm256_loadu_si256((const __m256i *)(block + 16)) : _mm256_setzero_si256();
    __m256i sum = _mm256_setzero_si256();
    for (int p = 0; p < 4; p++) {
        __m256i low, high;
        QK_FN(q4_k_codes)(block, five_bit, fifth, p, &low, &high);
        const __m256i low_scale = _mm256_shuffle_epi8(scales, _mm256_set1_epi16((short)(0x0100 + 0x0202 * (2 * p))));
        const __m256i high_scale = _mm256_shuffle_epi8(scales, _mm256_set1_epi16((short)(0x0100 + 0x0202 * (2 * p + 1))));
        const __m256i low_pairs = _mm256_maddubs_epi16(low, _mm256_loadu_si256((const __m256i *)(a + 64 * p)));
        const __m256i high_pairs = _mm256_maddubs_epi16(high, _mm256_loadu_si256((const __m256i *)(a + 64 * p + 32)));
        sum = _mm256_add_epi32(sum, _mm256_add_epi32(_mm256_madd_epi16(low_pairs, low_scale), _mm256_madd_epi16(high_pairs, high_scale)));
    }
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(d * sa), acc);
}

// Rows [row_begin, row_end) of a Q4_K (five_bit 0) or Q5_K matrix against one activation row of shared scales.
QK_INLINE void QK_FN(q4_k_rows_shared)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                                        const int five_bit) {
    const size_t units = w->blocks_per_row / 8, unit_bytes = qk_unit_bytes(five_bit ? QK_LAYOUT_Q5_K : QK_LAYOUT_Q4_K);
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        __m256 acc = _mm256_setzero_ps(), offsets = _mm256_setzero_ps();
        for (size_t s = 0; s < units; s++) {
            acc = QK_FN(q4_k_super_block_shared)(row + s * unit_bytes, five_bit, x->codes + 256 * s, x->scales[8 * s],
                                                 x->scaled_sums + 8 * s, acc, &offsets);
        }
        y[r] = qk_sum256(_mm256_add_ps(acc, offsets));
    }
}

// A Q6_K half's unsigned codes u = q + 32, values 128·half + 32i … + 31 in codes[i]: each 128-value half
// takes 64 ql bytes (low nibbles of values l and l + 32 in ql[l] and ql[l + 32], their high nibbles values
// l + 64 and l + 96) and 32 qh bytes (two bits of each of the four values).
QK_INLINE void QK_FN(q6_k_codes)(const uint8_t *block, const int half, __m256i codes[4]) {
    const __m256i low_bits = _mm256_set1_epi8(0x0F), two_bits = _mm256_set1_epi8(0x03);
    const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(block + 64 * half));
    const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(block + 64 * half + 32));
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(block + 128 + 32 * half));
    codes[0] = _mm256_or_si256(_mm256_and_si256(ql0, low_bits), _mm256_slli_epi16(_mm256_and_si256(qh, two_bits), 4));
    codes[1] = _mm256_or_si256(_mm256_and_si256(ql1, low_bits), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two_bits), 4));
    codes[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_bits),
                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two_bits), 4));
    codes[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_bits),
                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two_bits), 4));
}

// A Q2_K (Q3_K) super-block half's codes (as unsigned u, Q3_K's value being u − 4), values
// 128·half + 32i … + 31 in codes[i]: field i (two bits) of the half's 32 qs bytes, and for Q3_K bit
// 4·half + i of hmask[l] as the third bit.
QK_INLINE void QK_FN(q2_k_q3_k_codes)(const uint8_t *block, const int three_bit, const int half, __m256i codes[4]) {
    const __m256i two_bits = _mm256_set1_epi8(3), one_bit = _mm256_set1_epi8(1);
    const __m256i q = _mm256_loadu_si256((const __m256i *)(block + (three_bit ? 32 : 16) + 32 * half));
    const __m256i m = three_bit ? _mm256_srl_epi16(_mm256_loadu_si256((const __m256i *)block), _mm_cvtsi32_si128(4 * half)) : _mm256_setzero_si256();
    for (int i = 0; i < 4; i++) {
        codes[i] = _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * i)), two_bits);
        if (three_bit) {
            codes[i] = _mm256_or_si256(codes[i], _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(m, _mm_cvtsi32_si128(i)), one_bit), 2));
        }
    }
}

// The two 16-value groups' scales of each 32 values, for madd: `scales` holds sixteen int8 scales in group
// order; vector 4·half + i has group 8·half + 2i's scale in its low 128-bit lane and the next group's
// in the high one.
QK_INLINE void QK_FN(pair_scales)(__m128i scales, __m256i out[8]) {
    __m256i halves[2] = {_mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(scales)),
                         _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_srli_si128(scales, 8)))};
    // Hidden from the optimizer, the broadcasts stay one vpshufb per vector below; seen, clang rewrote
    // each into pshuflw/pshufhw/permq sequences (Llama-7B Q2_K, AVX2, 1 thread, Zen 5: 5.8 → 6.9 tok/s).
    __asm__("" : "+x"(halves[0]), "+x"(halves[1]));
    for (int i = 0; i < 4; i++) {
        const __m256i pick = _mm256_set_m128i(_mm_set1_epi16((short)(0x0302 + 0x0404 * i)), _mm_set1_epi16((short)(0x0100 + 0x0404 * i)));
        out[i] = _mm256_shuffle_epi8(halves[0], pick);
        out[4 + i] = _mm256_shuffle_epi8(halves[1], pick);
    }
}

// Q6_K against activations of shared scales: the codes u = q + 32 meet the activations in maddubs, each
// 32 values' pair sums madd by their two 16-value groups' int8 scales (the first group's in the low
// 128-bit lane), and 32·Σ_g sc_g·Σa_g comes off in one madd of the scales with the activations' 16-value
// sums (`sums`, natural order); then one conversion and one FMA by d·sa. Per lane at most
// 8 · 2 · 2 · 63 · 127 · 128 before the subtraction.
QK_INLINE __m256 QK_FN(q6_k_super_block_shared)(const uint8_t *block, const int8_t *a, const int16_t *sums, const float sa, __m256 acc) {
    const __m128i scale_bytes = _mm_loadu_si128((const __m128i *)(block + 192));
    __m256i scales[8];
    QK_FN(pair_scales)(scale_bytes, scales);
    __m256i sum = _mm256_setzero_si256();
    for (int half = 0; half < 2; half++) {
        __m256i codes[4];
        QK_FN(q6_k_codes)(block, half, codes);
        for (int i = 0; i < 4; i++) {
            const __m256i pairs = _mm256_maddubs_epi16(codes[i], _mm256_loadu_si256((const __m256i *)(a + 128 * half + 32 * i)));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, scales[4 * half + i]));
        }
    }
    const __m256i zero_point = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scale_bytes), _mm256_loadu_si256((const __m256i *)sums));
    sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(zero_point, 5));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(qk_unit_half_at(block + 208) * sa), acc);
}

// Q2_K and Q3_K against activations of shared scales (the codes as q2_k_q3_k_super_block forms them): each
// 32 values' pair sums madd by their groups' scales; Q3_K's u − 4 takes 4·Σ_g sc_g·Σa_g off in one madd,
// Q2_K's minima meet the 16-value sums in one madd and one FMA by −dmin·sa.
QK_INLINE __m256 QK_FN(q2_k_q3_k_super_block_shared)(const uint8_t *block, const int three_bit, const int8_t *a, const int16_t *sums,
                                                      const float sa, __m256 acc) {
    const __m128i scale_bytes = three_bit ? qk_q3_k_scale_bytes(block + 96)
                                          : _mm_and_si128(_mm_loadu_si128((const __m128i *)block), _mm_set1_epi8(0x0F));
    __m256i scales[8];
    QK_FN(pair_scales)(scale_bytes, scales);
    __m256i sum = _mm256_setzero_si256();
    for (int half = 0; half < 2; half++) {
        __m256i codes[4];
        QK_FN(q2_k_q3_k_codes)(block, three_bit, half, codes);
        for (int i = 0; i < 4; i++) {
            const __m256i pairs = _mm256_maddubs_epi16(codes[i], _mm256_loadu_si256((const __m256i *)(a + 128 * half + 32 * i)));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, scales[4 * half + i]));
        }
    }
    const __m256i group_sums = _mm256_loadu_si256((const __m256i *)sums);
    const float d = qk_unit_half_at(block + (three_bit ? 108 : 80));
    if (three_bit) {
        sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(scale_bytes), group_sums), 2));
        return _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(d * sa), acc);
    }
    const __m128i minima = _mm_and_si128(_mm_srli_epi16(_mm_loadu_si128((const __m128i *)block), 4), _mm_set1_epi8(0x0F));
    const __m256i minimum_sums = _mm256_madd_epi16(_mm256_cvtepu8_epi16(minima), group_sums);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(d * sa), acc);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(minimum_sums), _mm256_set1_ps(-qk_unit_half_at(block + 82) * sa), acc);
}

// Rows [row_begin, row_end) of a Q2_K, Q3_K or Q6_K matrix against one activation row of shared scales,
// with the row's 16-value code sums formed once: 0 when their buffer cannot be had (the caller then
// takes the other forms).
QK_INLINE int QK_FN(grouped_rows_shared)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                                          const int layout) {
    const size_t units = w->blocks_per_row / 8, unit_bytes = qk_unit_bytes(layout);
    int16_t *sums = aligned_alloc(64, (units + 1) * 64);  // a multiple of the alignment, as C11 asks
    if (!sums) return 0;
    for (size_t g = 0; g < 16 * units; g++) {
        int sum = 0;
        for (int l = 0; l < 16; l++) sum += x->codes[16 * g + (size_t)l];
        sums[g] = (int16_t)sum;  // |sum| ≤ 16 · 127
    }
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        __m256 acc = _mm256_setzero_ps();
        for (size_t s = 0; s < units; s++) {
            const uint8_t *block = row + s * unit_bytes;
            const int8_t *a = x->codes + 256 * s;
            // Constant arguments, so that each form is compiled on its own.
            if (layout == QK_LAYOUT_Q6_K) acc = QK_FN(q6_k_super_block_shared)(block, a, sums + 16 * s, x->scales[8 * s], acc);
            else if (layout == QK_LAYOUT_Q3_K) acc = QK_FN(q2_k_q3_k_super_block_shared)(block, 1, a, sums + 16 * s, x->scales[8 * s], acc);
            else acc = QK_FN(q2_k_q3_k_super_block_shared)(block, 0, a, sums + 16 * s, x->scales[8 * s], acc);
        }
        y[r] = qk_sum256(acc);
    }
    free(sums);
    return 1;
}

// The activation groups (unpacked_factors_x86.h) with lanes in the order of two half_sums_4x4 folds
// (the first: lane 4h + k is group 2k + h; the second: group 8 + 2k + h).
QK_INLINE void QK_FN(prepare_activation_groups)(const qk_activations *x, size_t units, const qk_activation_groups *groups) {
    const __m256i ones = _mm256_set1_epi8(1), to_group_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t s = 0; s < units; s++) {
        __m256i parts[8];
        for (int j = 0; j < 8; j++) parts[j] = QK_FN(dot32)(ones, x->codes + 256 * s + 32 * j);
        const __m256i folds[2] = {QK_FN(half_sums_4x4)(parts[0], parts[1], parts[2], parts[3]),
                                  QK_FN(half_sums_4x4)(parts[4], parts[5], parts[6], parts[7])};
        const __m256 sa = _mm256_loadu_ps(x->scales + 8 * s);
        __m256 lane_scales[2];
        QK_FN(block_factor_lanes)(sa, &lane_scales[0], &lane_scales[1]);
        for (int f = 0; f < 2; f++) {
            _mm256_storeu_si256((__m256i *)(groups->code_sums + 16 * s + 8 * f), folds[f]);
            _mm256_storeu_ps(groups->lane_scales + 16 * s + 8 * f, lane_scales[f]);
            const __m256i block_of_group = _mm256_setr_epi32(4 * f, 4 * f, 4 * f + 1, 4 * f + 1, 4 * f + 2, 4 * f + 2, 4 * f + 3, 4 * f + 3);
            const __m256 sums = _mm256_cvtepi32_ps(_mm256_permutevar8x32_epi32(folds[f], to_group_order));
            _mm256_storeu_ps(groups->scaled_sums + 16 * s + 8 * f, _mm256_mul_ps(sums, _mm256_permutevar8x32_ps(sa, block_of_group)));
        }
    }
}

// The two folds of a super-block's 16-value sums times d, the group's signed byte scale (sixteen, in
// group order) and the activation block's scale, added to acc.
QK_INLINE __m256 QK_FN(accumulate_groups)(const __m256i folds[2], __m128i scales, float d, const qk_activation_groups *groups, __m256 acc) {
    const __m256i lane_group = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for (int f = 0; f < 2; f++) {
        const __m256 group_scales = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(f == 0 ? scales : _mm_srli_si128(scales, 8)));
        const __m256 factors = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(d), _mm256_permutevar8x32_ps(group_scales, lane_group)),
                                             _mm256_loadu_ps(groups->lane_scales + 8 * f));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(folds[f]), factors, acc);
    }
    return acc;
}

// Q2_K and Q3_K (unpacked_decode_avx512.h has the layout): dot i of each 128-value half is the 2-bit
// field i of its 32 qs bytes, values 32i..32i+31 in order; Q3_K's codes are u − 4 (4·Σa comes off the
// folds), Q2_K's minima meet the activations' scaled 16-value sums in group order.
QK_INLINE void QK_FN(q2_k_q3_k_super_block)(const uint8_t *block, const int three_bit, const int8_t *a,
                                             const qk_activation_groups *groups, __m256 *accumulator) {
    __m256 acc = *accumulator;
    __m256i dots[8];
    for (int half = 0; half < 2; half++) {
        __m256i codes[4];
        QK_FN(q2_k_q3_k_codes)(block, three_bit, half, codes);
        for (int i = 0; i < 4; i++) {
            dots[4 * half + i] = QK_FN(dot32)(codes[i], a + 128 * half + 32 * i);
        }
    }
    __m256i folds[2] = {QK_FN(half_sums_4x4)(dots[0], dots[1], dots[2], dots[3]), QK_FN(half_sums_4x4)(dots[4], dots[5], dots[6], dots[7])};
    __m128i scales;
    if (three_bit) {
        for (int f = 0; f < 2; f++) {
            folds[f] = _mm256_sub_epi32(folds[f], _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(groups->code_sums + 8 * f)), 2));
        }
        scales = qk_q3_k_scale_bytes(block + 96);
    } else {
        const __m128i packed = _mm_loadu_si128((const __m128i *)block), nibble = _mm_set1_epi8(0x0F);
        scales = _mm_and_si128(packed, nibble);
        const __m128i minima = _mm_and_si128(_mm_srli_epi16(packed, 4), nibble);
        const __m256 dmin = _mm256_set1_ps(-qk_unit_half_at(block + 82));
        acc = _mm256_fmadd_ps(_mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(minima))), _mm256_loadu_ps(groups->scaled_sums), acc);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(minima, 8)))),
                              _mm256_loadu_ps(groups->scaled_sums + 8), acc);
    }
    *accumulator = QK_FN(accumulate_groups)(folds, scales, qk_unit_half_at(block + (three_bit ? 108 : 80)), groups, acc);
}

// Q6_K: dot i of each 128-value half is values 32i..32i+31 in order (as in Q2_K); codes u − 32, 32 times
// the activations' 16-value code sums (formed once a call) coming off the folds.
QK_INLINE void QK_FN(q6_k_super_block)(const uint8_t *block, const int8_t *a, const qk_activation_groups *groups, __m256 *accumulator) {
    __m256i dots[8];
    for (int half = 0; half < 2; half++) {
        __m256i codes[4];
        QK_FN(q6_k_codes)(block, half, codes);
        for (int i = 0; i < 4; i++) dots[4 * half + i] = QK_FN(dot32)(codes[i], a + 128 * half + 32 * i);
    }
    __m256i folds[2] = {QK_FN(half_sums_4x4)(dots[0], dots[1], dots[2], dots[3]), QK_FN(half_sums_4x4)(dots[4], dots[5], dots[6], dots[7])};
    for (int f = 0; f < 2; f++) {
        folds[f] = _mm256_sub_epi32(folds[f], _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(groups->code_sums + 8 * f)), 5));
    }
    *accumulator = QK_FN(accumulate_groups)(folds, _mm_loadu_si128((const __m128i *)(block + 192)), qk_unit_half_at(block + 208), groups,
                                            *accumulator);
}

// Eight IQ4_NL blocks from `first` (w = d·grid[u]): the signed grid values looked up, then ggml's sign
// trick (|grid| times the activations carrying the grid's signs), as |grid| ≤ 127 keeps maddubs pairs
// inside int16 where grid + 128 would not.
QK_INLINE __m256 QK_FN(iq4_nl_eight_blocks)(const uint8_t *first, const int8_t *a, const float *sa, __m256 acc) {
    const __m128i grid_16 = _mm_loadu_si128((const __m128i *)qk_iq4_nl_grid);
    const __m256i grid = _mm256_set_m128i(grid_16, grid_16);
    __m256i dots[8];
    float scales[8];
    for (int j = 0; j < 8; j++) {
        const uint8_t *block = first + (size_t)j * 18;
        scales[j] = qk_unit_half_at(block);
        const __m256i activations = _mm256_loadu_si256((const __m256i *)(a + 32 * j));
        const __m256i codes = _mm256_shuffle_epi8(grid, qk_unpack_nibbles(block + 2));
        dots[j] = qk_dot_add(_mm256_setzero_si256(), _mm256_sign_epi8(codes, codes), _mm256_sign_epi8(activations, codes));
    }
    __m256 first_lanes, second_lanes;
    QK_FN(block_factor_lanes)(_mm256_mul_ps(_mm256_loadu_ps(scales), _mm256_loadu_ps(sa)), &first_lanes, &second_lanes);
    return QK_FN(accumulate_eight)(dots, first_lanes, second_lanes, acc);
}

// Eight Q5_0 (w = d·(u − 16)) or Q5_1 (w = d·u + m) blocks from `first`.
QK_INLINE __m256 QK_FN(q5_eight_blocks)(const uint8_t *first, size_t block_bytes, const int with_minimum, const int8_t *a,
                                         const float *sa, const float *ss, __m256 acc, __m256 *offsets) {
    const size_t fifth_at = with_minimum ? 4 : 2;
    __m256i dots[8];
    for (int j = 0; j < 8; j++) {
        const uint8_t *block = first + (size_t)j * block_bytes;
        uint32_t fifth;
        memcpy(&fifth, block + fifth_at, 4);
        const __m256i codes = _mm256_or_si256(qk_unpack_nibbles(block + fifth_at + 4),
                                              _mm256_and_si256(QK_FN(bytes_from_bits)(fifth), _mm256_set1_epi8(0x10)));
        dots[j] = QK_FN(dot32)(codes, a + 32 * j);
    }
    __m256 first_lanes, second_lanes;
    QK_FN(block_factor_lanes)(QK_FN(q5_factors)(first, block_bytes, with_minimum, sa, ss, offsets), &first_lanes, &second_lanes);
    return QK_FN(accumulate_eight)(dots, first_lanes, second_lanes, acc);
}

#define QK_ROW_ACC __m256
#define QK_ROW_ACC_ZERO() _mm256_setzero_ps()
// A super-block's two to four FMAs start from zero and meet the row's sum in one add. Chained through the
// row's sum, each super-block waited on the last one's: Llama-7B Q2_K (Zen 5, 1 thread, AVX2 forced)
// decoded 4.40-4.50 tok/s chained and 4.86-5.08 apart. The AVX-512 form keeps the chain (one FMA a
// super-block; apart was 4% slower there, one run each for Q2_K and Q3_K_M).
#define QK_ROW_TERMS_START(acc) _mm256_setzero_ps()
#define QK_ROW_TERMS_END(acc, terms) _mm256_add_ps(acc, terms)
#define QK_ROW_ACC_SUM(acc) qk_sum256(acc)
#include "unpacked_rows_x86.h"

// 1 when the layout has a decode kernel here (then y[r] is written for every row), else 0.
QK_INLINE int QK_FN(unpacked_decode)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                                      const int layout) {
    if (layout == QK_LAYOUT_Q2_K || layout == QK_LAYOUT_Q3_K || layout == QK_LAYOUT_Q6_K) {
        if (x->blocks_per_scale == 8 && QK_FN(grouped_rows_shared)(w, x, row_begin, row_end, y, layout)) return 1;
        return QK_FN(grouped_rows)(w, x, row_begin, row_end, y, layout);
    }
    if (x->blocks_per_scale == 8 && layout == QK_LAYOUT_Q4_K) {
        QK_FN(q4_k_rows_shared)(w, x, row_begin, row_end, y, 0);
        return 1;
    }
    if (x->blocks_per_scale == 8 && layout == QK_LAYOUT_Q5_K) {
        QK_FN(q4_k_rows_shared)(w, x, row_begin, row_end, y, 1);
        return 1;
    }
    const int q5 = layout == QK_LAYOUT_Q5_0 || layout == QK_LAYOUT_Q5_1, iq4 = layout == QK_LAYOUT_IQ4_NL;
    if (!q5 && !iq4 && layout != QK_LAYOUT_Q4_K && layout != QK_LAYOUT_Q5_K) return 0;
    const size_t unit_bytes = qk_unit_bytes(layout), blocks = w->blocks_per_row, whole = blocks & ~(size_t)7;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        __m256 acc = _mm256_setzero_ps(), offsets = _mm256_setzero_ps();
        float tail_offset = 0.0f;
        for (size_t b = 0; b < whole; b += 8) {
            const int8_t *a = x->codes + b * QK_BLOCK;
            if (iq4) {
                acc = QK_FN(iq4_nl_eight_blocks)(row + b * unit_bytes, a, x->scales + b, acc);
            } else if (q5) {
                acc = QK_FN(q5_eight_blocks)(row + b * unit_bytes, unit_bytes, layout == QK_LAYOUT_Q5_1, a, x->scales + b,
                                             x->scaled_sums + b, acc, &offsets);
            } else if (layout == QK_LAYOUT_Q4_K) {
                acc = QK_FN(q4_k_super_block)(row + b / 8 * unit_bytes, 0, a, x->scales + b, x->scaled_sums + b, acc, &offsets);
            } else {
                acc = QK_FN(q4_k_super_block)(row + b / 8 * unit_bytes, 1, a, x->scales + b, x->scaled_sums + b, acc, &offsets);
            }
        }
        // Q5_x rows that end inside a group of eight blocks (k-quant rows are whole super-blocks: none).
        acc = QK_FN(block_tail)(row, layout, x, whole, blocks, acc, &tail_offset);
        y[r] = qk_sum256(_mm256_add_ps(acc, offsets)) + tail_offset;
    }
    return 1;
}
