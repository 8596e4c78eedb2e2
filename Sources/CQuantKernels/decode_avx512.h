// AVX-512 VNNI decode (one activation row): 512-bit dpbusd over two 8-bit blocks or four 4-bit blocks
// at a time, the per-block float work done 16 blocks at a time, and the next row tile prefetched.
//
// Every code kind goes into dpbusd as unsigned bytes: 4-bit and uint8 codes as they are, int8 codes
// shifted by 128 (q ^ 0x80 = q + 128), whose extra 128·Σa is removed through the offset term. For 16
// blocks the weight scales (read from the ggml blocks or the group arrays) are multiplied by the
// activation scales in one vector and the offset terms c·Σa are one FMA; each step then costs the
// weight load, at most three byte operations, dpbusd, convert, a permute of those scales and an FMA.
// Measured on 4096 × 4096, 1 thread: about 1.3× (8-bit) to 1.7× (4-bit) the one-block-per-dpbusd
// loop of kernel_template.h, most of it from the prefetch once the arithmetic got cheaper.
// Included by kernels_avx512.c after the primitives; uses QK_FN and the qk_matrix/qk_activations types.

#define QK_DECODE_CHUNK 16
#define QK_DECODE_ROWS 4

// Weight scales d[k] and offset terms c[k] (w = d·u + c for the unsigned byte u that dpbusd sees) of
// blocks b0 + k, k < n ≤ 16, of weight row r. Lanes k ≥ n are zero.
QK_INLINE void QK_FN(decode_block_scales)(const qk_matrix *w, size_t r, size_t b0, int n, const int layout,
                                           const int codes, const int f16, const int biased, __m512 *d, __m512 *c) {
    const __mmask16 live = (__mmask16)((1u << n) - 1);
    if (layout != QK_LAYOUT_GROUPED) {
        const int block_bytes = layout == QK_LAYOUT_Q8_0 ? 34 : layout == QK_LAYOUT_Q4_0 ? 18 : 20;
        // 32 bits from each block start: d in the low half, Q4_1's m in the high half (inside the block).
        // Scalar loads through a stack buffer: a 16-lane gather measured several times slower (it is
        // microcoded, and slower still under the GDS mitigation), and these use no vector port.
        const uint8_t *first = w->data + r * w->row_bytes + b0 * block_bytes;
        uint32_t heads[QK_DECODE_CHUNK];
        for (int k = 0; k < QK_DECODE_CHUNK; k++) {
            if (k < n) memcpy(&heads[k], first + k * block_bytes, 4);
            else heads[k] = 0;
        }
        const __m512i words = _mm512_loadu_si512(heads);
        *d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words));
        if (layout == QK_LAYOUT_Q4_1) *c = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(words, 16)));
        else *c = _mm512_mul_ps(*d, _mm512_set1_ps(layout == QK_LAYOUT_Q8_0 ? -128.0f : -8.0f));
        return;
    }
    // Group of each block: blocks_per_group is 1, 2 or 4 (g32/g64/g128) or the whole row.
    const size_t per_group = w->blocks_per_group;
    const size_t g0 = b0 / per_group;
    __m512i group = _mm512_setzero_si512();
    if (per_group < w->blocks_per_row) {
        const __m512i block = _mm512_add_epi32(_mm512_set1_epi32((int)(b0 % per_group)),
                                               _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
        if ((per_group & (per_group - 1)) == 0) {
            group = _mm512_srli_epi32(block, __builtin_ctzl(per_group));
        } else {
            int32_t lanes[16];
            for (int k = 0; k < 16; k++) lanes[k] = (int32_t)((b0 % per_group + (size_t)k) / per_group);
            group = _mm512_loadu_si512(lanes);
        }
    }
    const size_t last_group = (b0 + (size_t)n - 1) / per_group;
    const __mmask16 groups = (__mmask16)((1u << (last_group - g0 + 1)) - 1);
    const size_t slot = r * w->groups_per_row + g0;
    __m512 scale, bias = _mm512_setzero_ps();
    if (f16) {
        scale = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(groups, (const uint16_t *)w->scales + slot));
        if (biased) bias = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(groups, (const uint16_t *)w->biases + slot));
    } else {
        scale = _mm512_maskz_loadu_ps(groups, (const float *)w->scales + slot);
        if (biased) bias = _mm512_maskz_loadu_ps(groups, (const float *)w->biases + slot);
    }
    *d = _mm512_maskz_permutexvar_ps(live, group, scale);
    const float shift = codes == QK_CODES_I8 ? -128.0f : (codes == QK_CODES_U4 && !biased ? -8.0f : 0.0f);
    *c = _mm512_fmadd_ps(*d, _mm512_set1_ps(shift), _mm512_maskz_permutexvar_ps(live, group, bias));
}

// Address of the codes of block b of a weight row.
QK_INLINE const uint8_t *QK_FN(decode_codes)(const uint8_t *row, size_t b, const int layout, const int codes) {
    switch (layout) {
    case QK_LAYOUT_Q8_0: return row + b * 34 + 2;
    case QK_LAYOUT_Q4_0: return row + b * 18 + 2;
    case QK_LAYOUT_Q4_1: return row + b * 20 + 4;
    default: return row + b * (codes == QK_CODES_U4 ? 16 : 32);
    }
}

// Blocks b and b + 1 (only b when `pair` is 0) of 8-bit codes as the 64 unsigned bytes dpbusd takes.
QK_INLINE __m512i QK_FN(decode_bytes)(const uint8_t *row, size_t b, const int pair, const int layout, const int codes) {
    const uint8_t *first = QK_FN(decode_codes)(row, b, layout, codes);
    __m512i bytes;
    if (layout == QK_LAYOUT_GROUPED) {
        bytes = pair ? _mm512_loadu_si512(first) : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)first));
    } else {
        bytes = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)first));
        if (pair) bytes = _mm512_inserti64x4(bytes, _mm256_loadu_si256((const __m256i *)QK_FN(decode_codes)(row, b + 1, layout, codes)), 1);
    }
    return codes == QK_CODES_I8 ? _mm512_xor_si512(bytes, _mm512_set1_epi8((char)0x80)) : bytes;
}

// The 16 code bytes of blocks b … b + count − 1 (count ≤ 4) of 4-bit codes, one block per 128-bit lane,
// missing blocks zero; the low nibbles meet activation values 0–15 of each block, the high ones 16–31.
QK_INLINE __m512i QK_FN(decode_nibbles)(const uint8_t *row, size_t b, const int count, const int layout, const int codes) {
    if (layout == QK_LAYOUT_GROUPED) {
        const uint8_t *first = row + b * 16;
        return count == 4 ? _mm512_loadu_si512(first) : _mm512_maskz_loadu_epi32((__mmask16)((1u << (4 * count)) - 1), first);
    }
    __m512i packed = _mm512_zextsi128_si512(_mm_loadu_si128((const __m128i *)QK_FN(decode_codes)(row, b, layout, codes)));
    if (count > 1) packed = _mm512_inserti32x4(packed, _mm_loadu_si128((const __m128i *)QK_FN(decode_codes)(row, b + 1, layout, codes)), 1);
    if (count > 2) packed = _mm512_inserti32x4(packed, _mm_loadu_si128((const __m128i *)QK_FN(decode_codes)(row, b + 2, layout, codes)), 2);
    if (count > 3) packed = _mm512_inserti32x4(packed, _mm_loadu_si128((const __m128i *)QK_FN(decode_codes)(row, b + 3, layout, codes)), 3);
    return packed;
}

// Outputs y[r] for R ≤ 4 consecutive weight rows from r0 against activation row `t`.
QK_INLINE void QK_FN(decode_tile)(const qk_matrix *w, const qk_activations *x, size_t t, size_t r0, float *y,
                                   const int R, const int layout, const int codes, const int f16, const int biased) {
    const int four_bit = layout == QK_LAYOUT_GROUPED ? codes == QK_CODES_U4 : layout != QK_LAYOUT_Q8_0;
    const size_t blocks = w->blocks_per_row, act_blocks = x->blocks_per_row;
    const int8_t *codes_a = x->codes + t * act_blocks * QK_BLOCK;
    const float *scales_a = x->scales + t * act_blocks, *sums_a = x->scaled_sums + t * act_blocks;
    const uint8_t *rows[QK_DECODE_ROWS];
    __m512 acc[QK_DECODE_ROWS];
    for (int i = 0; i < R; i++) { rows[i] = w->data + (r0 + i) * w->row_bytes; acc[i] = _mm512_setzero_ps(); }

    const size_t chunk_bytes = QK_DECODE_CHUNK * (layout == QK_LAYOUT_Q8_0 ? 34 : layout == QK_LAYOUT_Q4_0 ? 18
                                                  : layout == QK_LAYOUT_Q4_1 ? 20 : four_bit ? 16 : 32);
    for (size_t b0 = 0; b0 < blocks; b0 += QK_DECODE_CHUNK) {
        const int n = blocks - b0 < QK_DECODE_CHUNK ? (int)(blocks - b0) : QK_DECODE_CHUNK;
        const __mmask16 live = (__mmask16)((1u << n) - 1);
        const __m512 da = _mm512_maskz_loadu_ps(live, scales_a + b0);
        const __m512 sa = _mm512_maskz_loadu_ps(live, sums_a + b0);
        __m512 scale[QK_DECODE_ROWS];
        for (int i = 0; i < R; i++) {
            // Rows are short streams (2–4 KB at 4096 columns) that the hardware prefetcher picks up
            // late: fetching the same place of the next tile's rows measured 20–40 % faster than
            // a fixed distance ahead in the same row (beyond the last row it is a harmless hint).
            const uintptr_t ahead = (uintptr_t)rows[i] + QK_DECODE_ROWS * w->row_bytes + b0 * chunk_bytes / QK_DECODE_CHUNK;
            for (size_t line = 0; line < chunk_bytes; line += 64) _mm_prefetch((const char *)(ahead + line), _MM_HINT_T0);
            __m512 d, c;
            QK_FN(decode_block_scales)(w, r0 + i, b0, n, layout, codes, f16, biased, &d, &c);
            scale[i] = _mm512_mul_ps(d, da);
            acc[i] = _mm512_fmadd_ps(c, sa, acc[i]);
        }
        if (four_bit) {
            // Four blocks per step: one dpbusd for the low nibbles against values 0–15 of each block and
            // one for the high nibbles against 16–31, into the same lanes (4 per block).
            __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
            for (int k = 0; k < n; k += 4) {
                const int count = n - k < 4 ? n - k : 4;
                const int8_t *a = codes_a + (b0 + k) * QK_BLOCK;
                const __m512i first = _mm512_maskz_loadu_epi64((__mmask8)(count >= 2 ? 0xFF : 0x0F), a);
                const __m512i second = count > 2 ? _mm512_maskz_loadu_epi64((__mmask8)(count == 4 ? 0xFF : 0x0F), a + 64)
                                                 : _mm512_setzero_si512();
                const __m512i a_low = _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(2, 0, 2, 0));
                const __m512i a_high = _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(3, 1, 3, 1));
                for (int i = 0; i < R; i++) {
                    const __m512i packed = QK_FN(decode_nibbles)(rows[i], b0 + k, count, layout, codes);
                    const __m512i low = _mm512_and_si512(packed, _mm512_set1_epi8(0x0F));
                    const __m512i high = _mm512_and_si512(_mm512_srli_epi16(packed, 4), _mm512_set1_epi8(0x0F));
                    const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), low, a_low), high, a_high);
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(lane_block, scale[i]), acc[i]);
                }
                lane_block = _mm512_add_epi32(lane_block, _mm512_set1_epi32(4));
            }
            continue;
        }
        // 8-bit codes: two blocks per step, 8 lanes each.
        __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        for (int k = 0; k < n; k += 2) {
            const int pair = k + 1 < n;
            const int8_t *a = codes_a + (b0 + k) * QK_BLOCK;
            const __m512i av = pair ? _mm512_loadu_si512(a) : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)a));
            for (int i = 0; i < R; i++) {
                const __m512i wv = QK_FN(decode_bytes)(rows[i], b0 + k, pair, layout, codes);
                const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv, av);
                acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(lane_block, scale[i]), acc[i]);
            }
            lane_block = _mm512_add_epi32(lane_block, _mm512_set1_epi32(2));
        }
    }
    for (int i = 0; i < R; i++) y[r0 + i] = _mm512_reduce_add_ps(acc[i]);
}

// y[t·y_stride + r] for r in [row_begin, row_end) and every activation row, one row at a time.
QK_INLINE void QK_FN(decode)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end,
                              float *y, size_t y_stride, const int layout, const int codes, const int f16,
                              const int biased) {
    for (size_t t = 0; t < x->rows; t++) {
        float *yt = y + t * y_stride;
        size_t r = row_begin;
        for (; r + QK_DECODE_ROWS <= row_end; r += QK_DECODE_ROWS)
            QK_FN(decode_tile)(w, x, t, r, yt, QK_DECODE_ROWS, layout, codes, f16, biased);
        for (; r < row_end; r++) QK_FN(decode_tile)(w, x, t, r, yt, 1, layout, codes, f16, biased);
    }
}
#define QK_HAVE_DECODE 1
