// AVX-512 VNNI prefill (many activation rows): both operands repacked once per call so that the block
// dots accumulate in integers.
//
// Per block of 32 a dpbusd leaves 8 partial sums in 8 lanes that all need the block's own scale, so the
// natural layout pays a convert, a scale permute and an FMA for every dpbusd. Here a group of G blocks
// (16, or 8/4/2 at the end of a row) is stored as G/2 vectors whose lane l always holds 4 bytes of
// block l mod G: dpbusd then adds the whole group into one int32 accumulator per (weight row,
// activation row) pair, and the float work (convert, one scale product, two FMAs) is paid once per
// group instead of once per dpbusd. Weight codes are stored as the unsigned bytes dpbusd takes (the
// form decode_avx512.h produces: int8 shifted by 128, 4-bit unpacked), so the inner loop is the same
// for every layout. Weight rows are repacked a tile at a time and reused against every activation row;
// the activation rows are packed once per call.
// Included by kernels_avx512.c after decode_avx512.h; uses its block readers.

#include <stdlib.h>

// Fewer activation rows than this take the template's tiles (repacking would not pay for itself).
#define QK_PREFILL_MIN_ROWS 4
// Register tile: weight rows × activation rows. R·T int32 and R·T float accumulators plus R weight
// vectors must fit in the 32 vector registers.
#define QK_PREFILL_R 4
#define QK_PREFILL_T 3

// A packed row: padded_blocks·32 code bytes, then per group 16 scales and 16 offset terms.
typedef struct {
    size_t padded_blocks;   // blocks rounded up to even
    size_t groups;
    size_t scales_offset;   // bytes from the row start to its scales
    size_t stride;          // bytes from one packed row to the next (a multiple of 64)
} qk_prefill_shape;

QK_INLINE qk_prefill_shape QK_FN(prefill_shape)(size_t blocks) {
    qk_prefill_shape shape;
    shape.padded_blocks = (blocks + 1) & ~(size_t)1;
    const size_t tail = shape.padded_blocks % 16;
    shape.groups = shape.padded_blocks / 16 + (size_t)__builtin_popcountl(tail);
    shape.scales_offset = shape.padded_blocks * QK_BLOCK;
    shape.stride = shape.scales_offset + shape.groups * 2 * 16 * sizeof(float);
    return shape;
}

// Real (unpadded) blocks among the 16 starting at `chunk`, whose scales are loaded as one vector.
QK_INLINE int QK_FN(prefill_live_blocks)(size_t blocks, size_t chunk) {
    return blocks - chunk < 16 ? (int)(blocks - chunk) : 16;
}

// Size of group g: 16 while whole groups of 16 remain, then the tail's powers of two, largest first.
QK_INLINE int QK_FN(prefill_group_size)(const qk_prefill_shape *shape, size_t g) {
    const size_t whole = shape->padded_blocks / 16;
    if (g < whole) return 16;
    size_t tail = shape->padded_blocks % 16;
    for (size_t k = whole;; k++) {
        const int largest = 1 << (31 - __builtin_clz((unsigned)tail));
        if (k == g) return largest;
        tail -= (size_t)largest;
    }
}

// Stores the 32 bytes of block k of a group of G blocks whose codes start at `group_codes`.
QK_INLINE void QK_FN(prefill_place_block)(uint8_t *group_codes, int G, int k, __m256i bytes) {
    uint32_t words[8];
    _mm256_storeu_si256((__m256i *)words, bytes);
    const int per_vector = 16 / G;  // dwords of one block in each vector
    for (int q = 0; q < 8; q++) {
        const int lane = (q % per_vector) * G + k;
        memcpy(group_codes + (size_t)(q / per_vector) * 64 + (size_t)lane * 4, &words[q], 4);
    }
}

// Writes the 16 scale lanes and 16 offset lanes of a group of G blocks that starts at lane `first` of
// the 16-block chunk whose per-block scales are d and offset terms c (offsets only in lanes < G, so
// that each block's offset is counted once).
QK_INLINE void QK_FN(prefill_place_scales)(float *scales, int G, int first, __m512 d, __m512 c) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i repeated = _mm512_add_epi32(_mm512_set1_epi32(first), _mm512_and_si512(lane, _mm512_set1_epi32(G - 1)));
    _mm512_storeu_ps(scales, _mm512_permutexvar_ps(repeated, d));
    const __m512i own = _mm512_add_epi32(_mm512_set1_epi32(first), lane);
    _mm512_storeu_ps(scales + 16, _mm512_maskz_permutexvar_ps((__mmask16)((1u << G) - 1), own, c));
}

// Packs weight row r: codes as dpbusd's unsigned bytes, d·(activation scale) later, c·(scaled sum) later.
QK_INLINE void QK_FN(prefill_pack_weight_row)(const qk_matrix *w, size_t r, const qk_prefill_shape *shape,
                                                uint8_t *packed, const int layout, const int codes, const int f16,
                                                const int biased) {
    const int four_bit = layout == QK_LAYOUT_GROUPED ? codes == QK_CODES_U4 : layout != QK_LAYOUT_Q8_0;
    const size_t blocks = w->blocks_per_row;
    const uint8_t *row = w->data + r * w->row_bytes;
    float *scales = (float *)(packed + shape->scales_offset);
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        const size_t chunk = b0 & ~(size_t)15;
        const int live = QK_FN(prefill_live_blocks)(blocks, chunk);
        __m512 d, c;
        QK_FN(decode_block_scales)(w, r, chunk, live, layout, codes, f16, biased, &d, &c);
        QK_FN(prefill_place_scales)(scales + g * 32, G, (int)(b0 - chunk), d, c);
        uint8_t *group_codes = packed + b0 * QK_BLOCK;
        for (int k = 0; k < G; k++) {
            const size_t b = b0 + (size_t)k;
            __m256i bytes = _mm256_setzero_si256();
            if (b < blocks && four_bit) {
                const __m128i nibbles = _mm512_castsi512_si128(QK_FN(decode_nibbles)(row, b, 1, layout, codes));
                const __m128i mask = _mm_set1_epi8(0x0F);
                bytes = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(nibbles, 4), mask), _mm_and_si128(nibbles, mask));
            } else if (b < blocks) {
                bytes = _mm512_castsi512_si256(QK_FN(decode_bytes)(row, b, 0, layout, codes));
            }
            QK_FN(prefill_place_block)(group_codes, G, k, bytes);
        }
        b0 += (size_t)G;
    }
}

// Packs activation row t: codes as they are, scales d_a, offset lanes the scaled sums.
QK_INLINE void QK_FN(prefill_pack_activation_row)(const qk_activations *x, size_t t, const qk_prefill_shape *shape,
                                                    uint8_t *packed) {
    const size_t blocks = x->blocks_per_row;
    const int8_t *codes = x->codes + t * blocks * QK_BLOCK;
    const float *scales_a = x->scales + t * blocks, *sums_a = x->scaled_sums + t * blocks;
    float *scales = (float *)(packed + shape->scales_offset);
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        const size_t chunk = b0 & ~(size_t)15;
        const int live = QK_FN(prefill_live_blocks)(blocks, chunk);
        const __mmask16 mask = (__mmask16)((1u << live) - 1);
        QK_FN(prefill_place_scales)(scales + g * 32, G, (int)(b0 - chunk), _mm512_maskz_loadu_ps(mask, scales_a + chunk),
                                    _mm512_maskz_loadu_ps(mask, sums_a + chunk));
        uint8_t *group_codes = packed + b0 * QK_BLOCK;
        for (int k = 0; k < G; k++) {
            const size_t b = b0 + (size_t)k;
            const __m256i bytes = b < blocks ? _mm256_loadu_si256((const __m256i *)(codes + b * QK_BLOCK)) : _mm256_setzero_si256();
            QK_FN(prefill_place_block)(group_codes, G, k, bytes);
        }
        b0 += (size_t)G;
    }
}

// Lanes 0–7 plus lanes 8–15 (AVX-512F has no 8-float extract; the 4-double one moves the same bits).
QK_INLINE __m256 QK_FN(prefill_fold)(__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

// The lane sums of four vectors: their outputs are adjacent, so one shared reduction tree and one store.
QK_INLINE __m128 QK_FN(prefill_sum4)(__m512 a, __m512 b, __m512 c, __m512 d) {
    const __m256 a8 = QK_FN(prefill_fold)(a);
    const __m256 b8 = QK_FN(prefill_fold)(b);
    const __m256 c8 = QK_FN(prefill_fold)(c);
    const __m256 d8 = QK_FN(prefill_fold)(d);
    const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a8, b8), _mm256_hadd_ps(c8, d8));
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// y[(t0 + j)·y_stride + r0 + i] for R packed weight rows × T packed activation rows.
QK_INLINE void QK_FN(prefill_tile)(const uint8_t *const weights[QK_PREFILL_R], const uint8_t *const activations[QK_PREFILL_T],
                                    const qk_prefill_shape *shape, float *y, size_t y_stride, size_t r0, size_t t0,
                                    const int R, const int T) {
    __m512 sum[QK_PREFILL_R][QK_PREFILL_T];
    for (int i = 0; i < R; i++) for (int j = 0; j < T; j++) sum[i][j] = _mm512_setzero_ps();
    size_t b0 = 0;
    for (size_t g = 0; g < shape->groups; g++) {
        const int G = QK_FN(prefill_group_size)(shape, g);
        __m512i dot[QK_PREFILL_R][QK_PREFILL_T];
        for (int i = 0; i < R; i++) for (int j = 0; j < T; j++) dot[i][j] = _mm512_setzero_si512();
        const size_t first = b0 * QK_BLOCK;
        for (int m = 0; m < G / 2; m++) {
            __m512i wv[QK_PREFILL_R];
            for (int i = 0; i < R; i++) wv[i] = _mm512_load_si512(weights[i] + first + (size_t)m * 64);
            for (int j = 0; j < T; j++) {
                const __m512i av = _mm512_load_si512(activations[j] + first + (size_t)m * 64);
                for (int i = 0; i < R; i++) dot[i][j] = _mm512_dpbusd_epi32(dot[i][j], wv[i], av);
            }
        }
        const size_t scales = shape->scales_offset + g * 32 * sizeof(float);
        for (int i = 0; i < R; i++) {
            const float *ws = (const float *)(weights[i] + scales);
            const __m512 d = _mm512_load_ps(ws), c = _mm512_load_ps(ws + 16);
            for (int j = 0; j < T; j++) {
                const float *as = (const float *)(activations[j] + scales);
                sum[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i][j]), _mm512_mul_ps(d, _mm512_load_ps(as)), sum[i][j]);
                sum[i][j] = _mm512_fmadd_ps(c, _mm512_load_ps(as + 16), sum[i][j]);
            }
        }
        b0 += (size_t)G;
    }
    for (int j = 0; j < T; j++) {
        float *out = y + (t0 + j) * y_stride + r0;
        if (R == 4) _mm_storeu_ps(out, QK_FN(prefill_sum4)(sum[0][j], sum[1][j], sum[2][j], sum[3][j]));
        else for (int i = 0; i < R; i++) out[i] = _mm512_reduce_add_ps(sum[i][j]);
    }
}

// y for weight rows [row_begin, row_end) and every activation row; 0 (nothing written) when the
// scratch cannot be allocated, so that the caller falls back to the template's tiles.
QK_INLINE int QK_FN(prefill)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                              size_t y_stride, const int layout, const int codes, const int f16, const int biased) {
    const qk_prefill_shape shape = QK_FN(prefill_shape)(w->blocks_per_row);
    uint8_t *scratch = aligned_alloc(64, (x->rows + QK_PREFILL_R) * shape.stride);
    if (!scratch) return 0;
    uint8_t *packed_weights = scratch + x->rows * shape.stride;
    for (size_t t = 0; t < x->rows; t++) QK_FN(prefill_pack_activation_row)(x, t, &shape, scratch + t * shape.stride);
    for (size_t r0 = row_begin; r0 < row_end; r0 += QK_PREFILL_R) {
        const int R = row_end - r0 < QK_PREFILL_R ? (int)(row_end - r0) : QK_PREFILL_R;
        const uint8_t *weights[QK_PREFILL_R];
        for (int i = 0; i < R; i++) {
            uint8_t *row = packed_weights + (size_t)i * shape.stride;
            QK_FN(prefill_pack_weight_row)(w, r0 + (size_t)i, &shape, row, layout, codes, f16, biased);
            weights[i] = row;
        }
        size_t t0 = 0;
        for (; t0 + QK_PREFILL_T <= x->rows; t0 += QK_PREFILL_T) {
            const uint8_t *activations[QK_PREFILL_T];
            for (int j = 0; j < QK_PREFILL_T; j++) activations[j] = scratch + (t0 + (size_t)j) * shape.stride;
            if (R == QK_PREFILL_R) QK_FN(prefill_tile)(weights, activations, &shape, y, y_stride, r0, t0, QK_PREFILL_R, QK_PREFILL_T);
            else QK_FN(prefill_tile)(weights, activations, &shape, y, y_stride, r0, t0, R, QK_PREFILL_T);
        }
        for (; t0 < x->rows; t0++) {
            const uint8_t *activations[QK_PREFILL_T] = {scratch + t0 * shape.stride};
            QK_FN(prefill_tile)(weights, activations, &shape, y, y_stride, r0, t0, R, 1);
        }
    }
    free(scratch);
    return 1;
}
#define QK_HAVE_PREFILL 1
