// AVX2 prefill (many activation rows): both operands repacked once per call so that the block dots of
// a group of blocks accumulate in integer lanes (the AVX-512 prefill's idea, without dpbusd).
//
// The template's tiles pay, per block and per (weight row, activation row) pair, a maddubs, a madd,
// a convert, a scale product, a broadcast and an FMA. Here a group of G blocks (8, or 4/2/1 at the
// end of a row) is stored as G vectors whose int32 lane l always holds 4 bytes of block l mod G, so
// the block dots of the whole group add up lane-wise and the float work (convert, scale product,
// two FMAs) is paid once per group. 4-bit codes (0–15) against int8 activations (±127) make maddubs
// pairs of at most 3,810, so eight of them still fit an int16 lane and the widening madd is paid once
// per group as well; 8-bit codes use ggml's sign trick (|w| against a·sign(w), pairs ≤ 32,512) and
// widen every step. With AVX-VNNI (kernels_avx_vnni.c) every step is one dpbusd into int32 lanes
// (qk_nibble_dot_add, qk_dot_add). Weight rows are repacked a tile at a time and reused against every activation
// row; the activation rows are packed once per call.
// Included by kernel_template.h (QK_PREFILL_HEADER) after the block readers.

#include <stdlib.h>

// Fewer activation rows than this take the template's tiles (repacking would not pay for itself).
#define QK_PREFILL_MIN_ROWS 4
#define QK_PREFILL_LANES 8

// A packed row: blocks·32 code bytes, then per group 8 scale lanes and 8 offset lanes.
typedef struct {
    size_t blocks;
    size_t groups;
    size_t scales_offset;   // bytes from the row start to its scales
    size_t stride;          // bytes from one packed row to the next (a multiple of 32)
} qk_prefill_shape;

QK_INLINE qk_prefill_shape QK_FN(prefill_shape)(size_t blocks) {
    qk_prefill_shape shape;
    shape.blocks = blocks;
    shape.groups = blocks / QK_PREFILL_LANES + (size_t)__builtin_popcountl(blocks % QK_PREFILL_LANES);
    shape.scales_offset = blocks * QK_BLOCK;
    shape.stride = shape.scales_offset + shape.groups * 2 * QK_PREFILL_LANES * sizeof(float);
    return shape;
}

// Size of group g: 8 while whole groups of 8 remain, then the tail's powers of two, largest first.
QK_INLINE int QK_FN(prefill_group_size)(const qk_prefill_shape *shape, size_t g) {
    const size_t whole = shape->blocks / QK_PREFILL_LANES;
    if (g < whole) return QK_PREFILL_LANES;
    size_t tail = shape->blocks % QK_PREFILL_LANES;
    for (size_t k = whole;; k++) {
        const int largest = 1 << (31 - __builtin_clz((unsigned)tail));
        if (k == g) return largest;
        tail -= (size_t)largest;
    }
}

// Stores the 32 bytes of block k of a group of G blocks whose codes start at `group_codes`: dword q of
// the block goes to vector q / (8 / G), lane (q mod (8 / G))·G + k.
QK_INLINE void QK_FN(prefill_place_block)(uint8_t *group_codes, int G, int k, __m256i bytes) {
    uint32_t words[QK_PREFILL_LANES];
    _mm256_storeu_si256((__m256i *)words, bytes);
    const int per_vector = QK_PREFILL_LANES / G;
    for (int q = 0; q < QK_PREFILL_LANES; q++) {
        const int lane = (q % per_vector) * G + k;
        memcpy(group_codes + (size_t)(q / per_vector) * 32 + (size_t)lane * 4, &words[q], 4);
    }
}

// The 8 scale lanes (lane l holds block l mod G's) and 8 offset lanes (only lanes < G, so that each
// block's offset is counted once) of a group of G blocks with per-block values d[k], c[k].
QK_INLINE void QK_FN(prefill_place_scales)(float *lanes, int G, const float d[QK_PREFILL_LANES],
                                            const float c[QK_PREFILL_LANES]) {
    for (int l = 0; l < QK_PREFILL_LANES; l++) {
        lanes[l] = d[l % G];
        lanes[QK_PREFILL_LANES + l] = l < G ? c[l] : 0.0f;
    }
}

// Packs weight row r: 4-bit codes unpacked to bytes 0–15, 8-bit codes as signed bytes (uint8 shifted
// by 128, which group_terms moves into the offset), with w = d·code + c per block.
QK_INLINE void QK_FN(prefill_pack_weight_row)(const qk_matrix *w, size_t r, const qk_prefill_shape *shape,
                                                uint8_t *packed, const int layout, const int codes, const int f16,
                                                const int biased) {
    const int grouped = layout == QK_LAYOUT_GROUPED;
    const int four_bit = grouped ? codes == QK_CODES_U4 : layout != QK_LAYOUT_Q8_0;
    const size_t code_bytes = four_bit ? QK_BLOCK / 2 : QK_BLOCK;
    const uint8_t *row = w->data + r * w->row_bytes;
    float *lanes = (float *)(packed + shape->scales_offset);
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        float d[QK_PREFILL_LANES], c[QK_PREFILL_LANES];
        for (int k = 0; k < G; k++) {
            const size_t b = b0 + (size_t)k;
            const uint8_t *block;
            if (grouped) {
                // Shifted and dotted signed here even where the variant's tiles take uint8 as it is (AVX-VNNI).
                QK_FN(group_terms)(w, r, b / w->blocks_per_group, codes, f16, biased, 1, &d[k], &c[k]);
                block = row + b * code_bytes;
            } else {
                block = QK_FN(ggml_block)(row, b, layout, &d[k], &c[k]);
            }
            __m256i bytes;
            if (four_bit) {
                bytes = qk_unpack_nibbles(block);
            } else {
                bytes = _mm256_loadu_si256((const __m256i *)block);
                if (grouped && codes == QK_CODES_U8) bytes = _mm256_xor_si256(bytes, _mm256_set1_epi8((char)0x80));
            }
            QK_FN(prefill_place_block)(packed + b0 * QK_BLOCK, G, k, bytes);
        }
        QK_FN(prefill_place_scales)(lanes + g * 2 * QK_PREFILL_LANES, G, d, c);
        b0 += (size_t)G;
    }
}

// Packs activation row t: codes as they are, scale lanes d_a, offset lanes the scaled sums.
QK_INLINE void QK_FN(prefill_pack_activation_row)(const qk_activations *x, size_t t, const qk_prefill_shape *shape,
                                                    uint8_t *packed) {
    const int8_t *codes = x->codes + t * x->blocks_per_row * QK_BLOCK;
    const float *scales_a = x->scales + t * x->blocks_per_row, *sums_a = x->scaled_sums + t * x->blocks_per_row;
    float *lanes = (float *)(packed + shape->scales_offset);
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        for (int k = 0; k < G; k++) {
            const __m256i bytes = _mm256_loadu_si256((const __m256i *)(codes + (b0 + (size_t)k) * QK_BLOCK));
            QK_FN(prefill_place_block)(packed + b0 * QK_BLOCK, G, k, bytes);
        }
        QK_FN(prefill_place_scales)(lanes + g * 2 * QK_PREFILL_LANES, G, scales_a + b0, sums_a + b0);
        b0 += (size_t)G;
    }
}

// y[(t0 + j)·y_stride + r0 + i] for R packed weight rows × T packed activation rows.
QK_INLINE void QK_FN(prefill_tile)(const uint8_t *const weights[4], const uint8_t *const activations[4],
                                    const qk_prefill_shape *shape, float *y, size_t y_stride, size_t r0, size_t t0,
                                    const int R, const int T, const int four_bit) {
    __m256 sum[4][4];
    for (int i = 0; i < R; i++) for (int j = 0; j < T; j++) sum[i][j] = _mm256_setzero_ps();
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        __m256i dot[4][4];
        for (int i = 0; i < R; i++) for (int j = 0; j < T; j++) dot[i][j] = _mm256_setzero_si256();
        const size_t first = b0 * QK_BLOCK;
        for (int m = 0; m < G; m++) {
            __m256i wv[4], magnitude[4];
            for (int i = 0; i < R; i++) {
                wv[i] = _mm256_load_si256((const __m256i *)(weights[i] + first + (size_t)m * 32));
                if (!four_bit) magnitude[i] = _mm256_sign_epi8(wv[i], wv[i]);
            }
            for (int j = 0; j < T; j++) {
                const __m256i av = _mm256_load_si256((const __m256i *)(activations[j] + first + (size_t)m * 32));
                for (int i = 0; i < R; i++) {
                    if (four_bit) dot[i][j] = qk_nibble_dot_add(dot[i][j], wv[i], av);
                    else dot[i][j] = qk_dot_add(dot[i][j], magnitude[i], _mm256_sign_epi8(av, wv[i]));
                }
            }
        }
        const size_t scales = shape->scales_offset + g * 2 * QK_PREFILL_LANES * sizeof(float);
        for (int i = 0; i < R; i++) {
            const float *ws = (const float *)(weights[i] + scales);
            const __m256 d = _mm256_load_ps(ws), c = _mm256_load_ps(ws + QK_PREFILL_LANES);
            for (int j = 0; j < T; j++) {
                const float *as = (const float *)(activations[j] + scales);
                const __m256i whole = four_bit ? qk_nibble_dots_widen(dot[i][j]) : dot[i][j];
                sum[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(whole), _mm256_mul_ps(d, _mm256_load_ps(as)), sum[i][j]);
                sum[i][j] = _mm256_fmadd_ps(c, _mm256_load_ps(as + QK_PREFILL_LANES), sum[i][j]);
            }
        }
        b0 += (size_t)G;
    }
    for (int j = 0; j < T; j++) {
        for (int i = 0; i < R; i++) y[(t0 + (size_t)j) * y_stride + r0 + (size_t)i] = qk_sum256(sum[i][j]);
    }
}

// Every activation row against the packed weight rows of one tile: T_MAX rows at a time, then one.
QK_INLINE void QK_FN(prefill_row_tile)(const uint8_t *const weights[4], const uint8_t *packed_activations,
                                        const qk_prefill_shape *shape, size_t x_rows, float *y, size_t y_stride,
                                        size_t r0, const int R, const int T_MAX, const int four_bit) {
    size_t t0 = 0;
    for (; t0 + (size_t)T_MAX <= x_rows; t0 += (size_t)T_MAX) {
        const uint8_t *activations[4];
        for (int j = 0; j < T_MAX; j++) activations[j] = packed_activations + (t0 + (size_t)j) * shape->stride;
        QK_FN(prefill_tile)(weights, activations, shape, y, y_stride, r0, t0, R, T_MAX, four_bit);
    }
    for (; t0 < x_rows; t0++) {
        const uint8_t *activations[4] = {packed_activations + t0 * shape->stride};
        QK_FN(prefill_tile)(weights, activations, shape, y, y_stride, r0, t0, R, 1, four_bit);
    }
}

// Register tiles (16 vector registers): 4-bit 3 × 3 (9 int16 accumulators, 3 weight vectors), 8-bit
// 2 × 4 (8 int32 accumulators, 2 weight vectors and their magnitudes).
QK_INLINE void QK_FN(prefill_rows)(const qk_matrix *w, const qk_prefill_shape *shape, const uint8_t *packed_activations,
                                    size_t x_rows, uint8_t *packed_weights, size_t row_begin, size_t row_end, float *y,
                                    size_t y_stride, const int layout, const int codes, const int f16, const int biased,
                                    const int R_MAX, const int T_MAX, const int four_bit) {
    for (size_t r0 = row_begin; r0 < row_end; r0 += (size_t)R_MAX) {
        const int R = row_end - r0 < (size_t)R_MAX ? (int)(row_end - r0) : R_MAX;
        const uint8_t *weights[4];
        for (int i = 0; i < R; i++) {
            uint8_t *row = packed_weights + (size_t)i * shape->stride;
            QK_FN(prefill_pack_weight_row)(w, r0 + (size_t)i, shape, row, layout, codes, f16, biased);
            weights[i] = row;
        }
        if (R == R_MAX) {
            QK_FN(prefill_row_tile)(weights, packed_activations, shape, x_rows, y, y_stride, r0, R_MAX, T_MAX, four_bit);
            continue;
        }
        for (int i = 0; i < R; i++) {
            const uint8_t *one[4] = {weights[i]};
            QK_FN(prefill_row_tile)(one, packed_activations, shape, x_rows, y, y_stride, r0 + (size_t)i, 1, T_MAX, four_bit);
        }
    }
}

// y for weight rows [row_begin, row_end) and every activation row; 0 (nothing written) when the
// scratch cannot be allocated, so that the caller falls back to the template's tiles.
QK_INLINE int QK_FN(prefill)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                              size_t y_stride, const int layout, const int codes, const int f16, const int biased) {
    const int four_bit = layout == QK_LAYOUT_GROUPED ? codes == QK_CODES_U4 : layout != QK_LAYOUT_Q8_0;
    const qk_prefill_shape shape = QK_FN(prefill_shape)(w->blocks_per_row);
    uint8_t *scratch = aligned_alloc(32, (x->rows + 4) * shape.stride);
    if (!scratch) return 0;
    uint8_t *packed_weights = scratch + x->rows * shape.stride;
    for (size_t t = 0; t < x->rows; t++) QK_FN(prefill_pack_activation_row)(x, t, &shape, scratch + t * shape.stride);
    if (four_bit) {
        QK_FN(prefill_rows)(w, &shape, scratch, x->rows, packed_weights, row_begin, row_end, y, y_stride, layout, codes,
                            f16, biased, 3, 3, 1);
    } else {
        QK_FN(prefill_rows)(w, &shape, scratch, x->rows, packed_weights, row_begin, row_end, y, y_stride, layout, codes,
                            f16, biased, 2, 4, 0);
    }
    free(scratch);
    return 1;
}
#define QK_HAVE_PREFILL 1
