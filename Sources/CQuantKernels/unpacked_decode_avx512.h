// AVX-512 VNNI decode (one activation row) of the types llama.cpp's k-quant files are made of: Q2_K …
// Q6_K, and Q5_0, Q5_1 and IQ4_NL, its fallbacks for rows that are not whole super-blocks (SmolLM2's
// 576 columns). No unpacking to memory: 256 values' codes are formed in registers as the
// unsigned bytes dpbusd takes (four 512-bit dpbusd of 64 values each), the 16-value sums of the four
// results are gathered into one vector by a 4 × 4 transpose-add, and the float work (the weights'
// scale per 16 or 32 values times the activation block's scale) is one FMA per 256 values. The
// generic loop of unpacked_template.h spent its time on per-block float work and the unpacking round
// trip: 7.6 GB/s on SmolLM2 Q4_K_M, against 20 for the panel kernels. No software prefetch: Llama-7B
// Q4_K_M decode on Zen 4 (rows are one sequential stream) ran 4.5–5.0 tok/s without, 4.1–4.2 with
// prefetches 512 bytes ahead and 3.5–3.8 with 2 KB into L1 (alternating runs, 1 thread); into L2, one
// row ahead 4.1–4.7 and 4 KB ahead 3.9–4.2, against 4.7–4.9 without. One row at a time: two rows per
// pass (sharing the activation loads) ran 2.0–2.4 tok/s against 4.1–5.0, as the decode tiles of
// Zen 3 and Zen 4 prefer one weight stream (quant_kernels.h).
// Q5_K is Q4_K with a fifth bit per code. Included by kernels_avx512.c after the primitives.

#define QK_HAVE_UNPACKED_DECODE 1
#include "unpacked_factors_x86.h"
#include <stdlib.h>

// Lane 4m + k ← 16-value group 4k + m: the order of group_sums_4x4 when dot k covers values 64k..64k+63.
#define QK_LANE_GROUP _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)

// Four vectors of 16 dword lanes (lanes 4m..4m+3 are 16-value group m of vector k) → one vector whose
// lane 4m + k is the sum of group m of vector k.
QK_INLINE __m512i QK_FN(group_sums_4x4)(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
    const __m512i s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(v0, v1), _mm512_unpackhi_epi32(v0, v1));
    const __m512i s23 = _mm512_add_epi32(_mm512_unpacklo_epi32(v2, v3), _mm512_unpackhi_epi32(v2, v3));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
}

// 32 activation bytes at a and 32 at b as one vector.
QK_INLINE __m512i QK_FN(two_halves)(const int8_t *a, const int8_t *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a)), _mm256_loadu_si256((const __m256i *)b), 1);
}

// Q4_K (and Q5_K, whose fifth code bit of sub-block j, value l is bit j of qh[l]): vector k of the
// four dots holds sub-blocks (4(k/2) + k%2) and (4(k/2) + k%2 + 2), so lane 4m + k of the group sums
// belongs to sub-block 4(k/2) + k%2 + 2(m/2). `regrouped`: the 256 activation bytes at a are in the
// order of the dots (blocks 0, 2, 1, 3, 4, 6, 5, 7).
QK_INLINE void QK_FN(q4_k_super_block)(const uint8_t *block, const int five_bit, const int8_t *a, const float *sa,
                                        const float *ss, __m512 *acc, __m256 *offsets, const int regrouped) {
    const __m256 factors = QK_FN(q4_k_factors)(block, sa, ss, offsets);
    const __m512i nibble = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    const __m256i fifth_bits = five_bit ? _mm256_loadu_si256((const __m256i *)(block + 16)) : _mm256_setzero_si256();
    const __m512i fifth = _mm512_inserti64x4(_mm512_castsi256_si512(fifth_bits), fifth_bits, 1);
    __m512i dots[4];
    for (int p = 0; p < 2; p++) {
        const __m512i packed = _mm512_loadu_si512(block + (five_bit ? 48 : 16) + 64 * p);
        __m512i low = _mm512_and_si512(packed, nibble), high = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
        if (five_bit) {
            // Sub-blocks 4p and 4p + 2 (low nibbles), 4p + 1 and 4p + 3 (high): their bits of qh per byte.
            const __m512i low_shift = _mm512_inserti64x4(_mm512_set1_epi16((short)(4 * p)), _mm256_set1_epi16((short)(4 * p + 2)), 1);
            const __m512i high_shift = _mm512_add_epi16(low_shift, _mm512_set1_epi16(1));
            low = _mm512_or_si512(low, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(fifth, low_shift), one), 4));
            high = _mm512_or_si512(high, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(fifth, high_shift), one), 4));
        }
        const int8_t *q = a + 128 * p;
        const __m512i a_low = regrouped ? _mm512_loadu_si512(q) : QK_FN(two_halves)(q, q + 64);
        const __m512i a_high = regrouped ? _mm512_loadu_si512(q + 64) : QK_FN(two_halves)(q + 32, q + 96);
        dots[2 * p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), low, a_low);
        dots[2 * p + 1] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), high, a_high);
    }
    const __m512i sums = QK_FN(group_sums_4x4)(dots[0], dots[1], dots[2], dots[3]);
    const __m512i sub_block = _mm512_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5, 2, 3, 6, 7, 2, 3, 6, 7);
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_permutexvar_ps(sub_block, _mm512_castps256_ps512(factors)), *acc);
}

// The activation groups (unpacked_factors_x86.h) with lanes in the order of group_sums_4x4 (lane
// 4m + k: group 4k + m).
QK_INLINE void QK_FN(prepare_activation_groups)(const qk_activations *x, size_t units, const qk_activation_groups *groups) {
    const __m512i ones = _mm512_set1_epi8(1);
    const __m512i group_block = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    for (size_t s = 0; s < units; s++) {
        __m512i parts[4];
        for (int k = 0; k < 4; k++) {
            parts[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, _mm512_loadu_si512(x->codes + 256 * s + 64 * k));
        }
        const __m512i lanes = QK_FN(group_sums_4x4)(parts[0], parts[1], parts[2], parts[3]);
        const __m512 group_scales = _mm512_permutexvar_ps(group_block, _mm512_castps256_ps512(_mm256_loadu_ps(x->scales + 8 * s)));
        _mm512_storeu_si512(groups->code_sums + 16 * s, lanes);
        _mm512_storeu_ps(groups->lane_scales + 16 * s, _mm512_permutexvar_ps(QK_LANE_GROUP, group_scales));
        // The 4 × 4 transpose that QK_LANE_GROUP is undoes itself: lanes back to group order.
        const __m512 in_group_order = _mm512_cvtepi32_ps(_mm512_permutexvar_epi32(QK_LANE_GROUP, lanes));
        _mm512_storeu_ps(groups->scaled_sums + 16 * s, _mm512_mul_ps(in_group_order, group_scales));
    }
}

// The 16-value sums of a super-block (lane 4m + k: group 4k + m) times d, the group's scale (in group
// order) and the activation block's scale, into acc.
QK_INLINE void QK_FN(accumulate_groups)(__m512i sums, __m512 scales, float d, const qk_activation_groups *groups, __m512 *acc) {
    const __m512 factors = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(d), _mm512_permutexvar_ps(QK_LANE_GROUP, scales)),
                                         _mm512_loadu_ps(groups->lane_scales));
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), factors, *acc);
}

// Q2_K and Q3_K: each 128-value half's 32 qs bytes are four 2-bit fields, field j of byte b being value
// 32j + b of the half, so (as in Q6_K) dot k covers values 64k..64k+63 in order. Q3_K's third bit of
// value 32j' + b (j' counted over the block) is bit j' of hmask[b], and its codes are u − 4 for the
// unsigned u dpbusd takes; Q2_K's minima meet the activations' scaled 16-value sums, in group order (the
// accumulator's lanes are summed at the end, so each FMA only has to pair its own two factors).
QK_INLINE void QK_FN(q2_k_q3_k_super_block)(const uint8_t *block, const int three_bit, const int8_t *a,
                                             const qk_activation_groups *groups, __m512 *acc) {
    const __m512i two_bits = _mm512_set1_epi8(3), one_bit = _mm512_set1_epi8(1);
    const uint8_t *qs = block + (three_bit ? 32 : 16);
    const __m256i mask = three_bit ? _mm256_loadu_si256((const __m256i *)block) : _mm256_setzero_si256();
    __m512i dots[4];
    for (int half = 0; half < 2; half++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * half));
        const __m512i q_01 = _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 2), 1);
        __m512i codes[2] = {_mm512_and_si512(q_01, two_bits), _mm512_and_si512(_mm512_srli_epi16(q_01, 4), two_bits)};
        if (three_bit) {
            const __m256i m = _mm256_srl_epi16(mask, _mm_cvtsi32_si128(4 * half));
            const __m512i m_01 = _mm512_inserti64x4(_mm512_castsi256_si512(m), _mm256_srli_epi16(m, 1), 1);
            codes[0] = _mm512_or_si512(codes[0], _mm512_slli_epi16(_mm512_and_si512(m_01, one_bit), 2));
            codes[1] = _mm512_or_si512(codes[1], _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(m_01, 2), one_bit), 2));
        }
        for (int v = 0; v < 2; v++) {
            dots[2 * half + v] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), codes[v], _mm512_loadu_si512(a + 128 * half + 64 * v));
        }
    }
    __m512i sums = QK_FN(group_sums_4x4)(dots[0], dots[1], dots[2], dots[3]);
    __m512 scales;
    if (three_bit) {
        sums = _mm512_sub_epi32(sums, _mm512_slli_epi32(_mm512_loadu_si512(groups->code_sums), 2));
        scales = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(qk_q3_k_scale_bytes(block + 96)));
    } else {
        const __m128i packed = _mm_loadu_si128((const __m128i *)block), nibble = _mm_set1_epi8(0x0F);
        scales = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(packed, nibble)));
        const __m512 minima = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(packed, 4), nibble)));
        const __m512 minimum_terms = _mm512_mul_ps(_mm512_set1_ps(-qk_unit_half_at(block + 82)), minima);
        *acc = _mm512_fmadd_ps(minimum_terms, _mm512_loadu_ps(groups->scaled_sums), *acc);
    }
    QK_FN(accumulate_groups)(sums, scales, qk_unit_half_at(block + (three_bit ? 108 : 80)), groups, acc);
}

// Q6_K: each 128-value half's 64 ql bytes and 32 qh bytes give values 0–63 and 64–127 of the half in
// order, so (as in Q2_K) dot k covers values 64k..64k+63. Codes are u − 32 for the unsigned u dpbusd
// takes: 32 times the activations' 16-value code sums comes off (formed once a call, which saves four
// dpbusd a super-block).
QK_INLINE void QK_FN(q6_k_super_block)(const uint8_t *block, const int8_t *a, const qk_activation_groups *groups, __m512 *acc) {
    const __m512i low_bits = _mm512_set1_epi8(0x0F), two_bits = _mm512_set1_epi8(0x03);
    __m512i dots[4];
    for (int half = 0; half < 2; half++) {
        const __m512i ql = _mm512_loadu_si512(block + 64 * half);
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(block + 128 + 32 * half));
        const __m512i qh_01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
        const __m512i qh_23 = _mm512_srli_epi16(qh_01, 4);
        const __m512i first = _mm512_or_si512(_mm512_and_si512(ql, low_bits), _mm512_slli_epi16(_mm512_and_si512(qh_01, two_bits), 4));
        const __m512i second = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low_bits),
                                               _mm512_slli_epi16(_mm512_and_si512(qh_23, two_bits), 4));
        dots[2 * half] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), first, _mm512_loadu_si512(a + 128 * half));
        dots[2 * half + 1] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), second, _mm512_loadu_si512(a + 128 * half + 64));
    }
    const __m512i sums = _mm512_sub_epi32(QK_FN(group_sums_4x4)(dots[0], dots[1], dots[2], dots[3]),
                                          _mm512_slli_epi32(_mm512_loadu_si512(groups->code_sums), 5));
    const __m512 scales = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(block + 192))));
    QK_FN(accumulate_groups)(sums, scales, qk_unit_half_at(block + 208), groups, acc);
}

// Eight IQ4_NL blocks from `first` (w = d·grid[u]): the grid is looked up 128 added, as the unsigned
// bytes dpbusd takes, and 128·Σa comes off each dword; vector k of the four dots holds blocks 2k, 2k + 1.
QK_INLINE void QK_FN(iq4_nl_eight_blocks)(const uint8_t *first, const int8_t *a, const float *sa, __m512 *acc) {
    const __m512i grid = _mm512_broadcast_i32x4(_mm_xor_si128(_mm_loadu_si128((const __m128i *)qk_iq4_nl_grid), _mm_set1_epi8((char)0x80)));
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i dots[4];
    float scales[8];
    for (int k = 0; k < 4; k++) {
        const uint8_t *b0 = first + (size_t)(2 * k) * 18, *b1 = b0 + 18;
        scales[2 * k] = qk_unit_half_at(b0);
        scales[2 * k + 1] = qk_unit_half_at(b1);
        const __m512i nibbles = _mm512_inserti64x4(_mm512_castsi256_si512(qk_unpack_nibbles(b0 + 2)), qk_unpack_nibbles(b1 + 2), 1);
        const __m512i x = _mm512_loadu_si512(a + 64 * k);
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_shuffle_epi8(grid, nibbles), x);
        dots[k] = _mm512_sub_epi32(dot, _mm512_slli_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, x), 7));
    }
    const __m256 factors = _mm256_mul_ps(_mm256_loadu_ps(scales), _mm256_loadu_ps(sa));
    const __m512i sums = QK_FN(group_sums_4x4)(dots[0], dots[1], dots[2], dots[3]);
    const __m512i lane_block = _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 1, 3, 5, 7, 1, 3, 5, 7);
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_permutexvar_ps(lane_block, _mm512_castps256_ps512(factors)), *acc);
}

// Eight Q5_0 (w = d·(u − 16)) or Q5_1 (w = d·u + m) blocks from `first`: vector k of the four dots
// holds blocks 2k and 2k + 1, so lane 4m + k of the group sums belongs to block 2k + m/2.
QK_INLINE void QK_FN(q5_eight_blocks)(const uint8_t *first, size_t block_bytes, const int with_minimum, const int8_t *a,
                                       const float *sa, const float *ss, __m512 *acc, __m256 *offsets) {
    const size_t fifth_at = with_minimum ? 4 : 2;
    __m512i dots[4];
    for (int k = 0; k < 4; k++) {
        const uint8_t *b0 = first + (size_t)(2 * k) * block_bytes, *b1 = b0 + block_bytes;
        uint32_t fifth0, fifth1;
        memcpy(&fifth0, b0 + fifth_at, 4);
        memcpy(&fifth1, b1 + fifth_at, 4);
        const __m512i nibbles =
            _mm512_inserti64x4(_mm512_castsi256_si512(qk_unpack_nibbles(b0 + fifth_at + 4)), qk_unpack_nibbles(b1 + fifth_at + 4), 1);
        const __m512i codes = _mm512_or_si512(nibbles, _mm512_maskz_mov_epi8(((uint64_t)fifth1 << 32) | fifth0, _mm512_set1_epi8(0x10)));
        dots[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), codes, _mm512_loadu_si512(a + 64 * k));
    }
    const __m256 factors = QK_FN(q5_factors)(first, block_bytes, with_minimum, sa, ss, offsets);
    const __m512i sums = QK_FN(group_sums_4x4)(dots[0], dots[1], dots[2], dots[3]);
    const __m512i lane_block = _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 1, 3, 5, 7, 1, 3, 5, 7);
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_permutexvar_ps(lane_block, _mm512_castps256_ps512(factors)), *acc);
}

#define QK_ROW_ACC __m512
#define QK_ROW_ACC_ZERO() _mm512_setzero_ps()
#define QK_ROW_TERMS_START(acc) (acc)
#define QK_ROW_TERMS_END(acc, terms) (terms)
#define QK_ROW_ACC_SUM(acc) _mm512_reduce_add_ps(acc)
#include "unpacked_rows_x86.h"

// 1 when the layout has a decode kernel here (then y[r] is written for every row), else 0.
QK_INLINE int QK_FN(unpacked_decode)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                                      const int layout) {
    if (layout == QK_LAYOUT_Q2_K || layout == QK_LAYOUT_Q3_K || layout == QK_LAYOUT_Q6_K) return QK_FN(grouped_rows)(w, x, row_begin, row_end, y, layout);
    if (layout == QK_LAYOUT_IQ4_NL) {
        const size_t blocks = w->blocks_per_row, whole = blocks & ~(size_t)7;
        for (size_t r = row_begin; r < row_end; r++) {
            const uint8_t *row = w->data + r * w->row_bytes;
            __m512 acc = _mm512_setzero_ps();
            for (size_t b = 0; b < whole; b += 8) QK_FN(iq4_nl_eight_blocks)(row + b * 18, x->codes + b * QK_BLOCK, x->scales + b, &acc);
            float tail_offset = 0.0f;
            const __m256 tail = QK_FN(block_tail)(row, layout, x, whole, blocks, _mm256_setzero_ps(), &tail_offset);
            y[r] = _mm512_reduce_add_ps(acc) + qk_sum256(tail);
        }
        return 1;
    }
    if (layout == QK_LAYOUT_Q5_0 || layout == QK_LAYOUT_Q5_1) {
        const int with_minimum = layout == QK_LAYOUT_Q5_1;
        const size_t blocks = w->blocks_per_row, block_bytes = qk_unit_bytes(layout), whole = blocks & ~(size_t)7;
        for (size_t r = row_begin; r < row_end; r++) {
            const uint8_t *row = w->data + r * w->row_bytes;
            __m512 acc = _mm512_setzero_ps();
            __m256 offsets = _mm256_setzero_ps(), tail = _mm256_setzero_ps();
            for (size_t b = 0; b < whole; b += 8) {
                QK_FN(q5_eight_blocks)(row + b * block_bytes, block_bytes, with_minimum, x->codes + b * QK_BLOCK, x->scales + b,
                                       x->scaled_sums + b, &acc, &offsets);
            }
            float tail_offset = 0.0f;
            tail = QK_FN(block_tail)(row, layout, x, whole, blocks, tail, &tail_offset);
            y[r] = _mm512_reduce_add_ps(acc) + qk_sum256(_mm256_add_ps(offsets, tail)) + tail_offset;
        }
        return 1;
    }
    if (layout != QK_LAYOUT_Q4_K && layout != QK_LAYOUT_Q5_K) return 0;
    const size_t units = w->blocks_per_row / 8, unit_bytes = qk_unit_bytes(layout);
    // Q4_K and Q5_K pair activation blocks 0 and 2, 1 and 3, … (see q4_k_super_block): regrouped once a
    // call so that each pair is one load (measured 3–5% faster on Llama-7B Q4_K_M, Zen 4, alternating
    // runs), or paired in registers when the buffer cannot be had.
    int8_t *regrouped = malloc(units * 256 + 1);
    if (regrouped) {
        static const int order[8] = {0, 2, 1, 3, 4, 6, 5, 7};
        for (size_t s = 0; s < units; s++) {
            for (int j = 0; j < 8; j++) memcpy(regrouped + s * 256 + 32 * j, x->codes + s * 256 + 32 * order[j], 32);
        }
    }
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        __m512 acc = _mm512_setzero_ps();
        __m256 offsets = _mm256_setzero_ps();
        for (size_t s = 0; s < units; s++) {
            const uint8_t *block = row + s * unit_bytes;
            const float *sa = x->scales + 8 * s, *ss = x->scaled_sums + 8 * s;
            // Constant arguments, so that each of the four forms is compiled on its own.
            const int8_t *paired = regrouped ? regrouped + s * 256 : x->codes + s * 256;
            if (layout == QK_LAYOUT_Q4_K) {
                if (regrouped) QK_FN(q4_k_super_block)(block, 0, paired, sa, ss, &acc, &offsets, 1);
                else QK_FN(q4_k_super_block)(block, 0, paired, sa, ss, &acc, &offsets, 0);
            } else {
                if (regrouped) QK_FN(q4_k_super_block)(block, 1, paired, sa, ss, &acc, &offsets, 1);
                else QK_FN(q4_k_super_block)(block, 1, paired, sa, ss, &acc, &offsets, 0);
            }
        }
        y[r] = _mm512_reduce_add_ps(acc) + qk_sum256(offsets);
    }
    free(regrouped);
    return 1;
}
