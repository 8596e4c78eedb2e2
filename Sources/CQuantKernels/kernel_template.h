// The quantized and half-precision matmul loops shared by every variant. A variant file defines the
// primitives below and then includes this file once:
//   QK_FN(name)               the variant's function name
//   qk_acc, QK_ACC_ZERO(), QK_ACC_ADD(acc, scale, idot), QK_ACC_SUM(acc)
//   qk_wvec, qk_prepare(w, kind)        one block of 32 weight codes loaded (and decoded) once ...
//   qk_idot, qk_dot_prepared(wv, a, kind) ... and dotted with one activation block: Σ q·a
//   QK_U8_DOT_IS_OFFSET      1 when the dot of uint8 codes returns Σ (q − 128)·a instead of Σ q·a
//   qk_acc_add_halves(acc, w, a, s0, s1)  acc + s0·Σ_{j<16} w[j]·a[j] + s1·Σ_{16≤j<32} w[j]·a[j] for int8
//                            codes |w| ≤ 32 (unpacked_blocks.h)
//   QK_HALF(bits)            IEEE half → float
//   qk_hvec, QK_HLANES, QK_HZERO(), QK_HLOAD(p, bf16), QK_XLOAD(p), QK_HFMA(w, x, acc), QK_HADD, QK_HSUM
//                            the half-precision-weight kernel's vectors of QK_HLANES floats
// Loops take the layout, code kind and tile size as constants so that every combination is specialised.

#include "half.h"

#ifndef QK_INLINE
#define QK_INLINE static inline __attribute__((always_inline))
#endif

QK_INLINE float QK_FN(load_scale)(const void *base, size_t index, const int f16) {
    if (f16) {
        uint16_t bits;
        memcpy(&bits, (const uint8_t *)base + 2 * index, 2);
        return QK_HALF(bits);
    }
    float value;
    memcpy(&value, (const uint8_t *)base + 4 * index, 4);
    return value;
}

QK_INLINE size_t QK_FN(ggml_block_bytes)(const int layout) {
    return layout == QK_LAYOUT_Q8_0 ? 34 : layout == QK_LAYOUT_Q4_0 ? 18 : 20;
}

// Scale d, offset term c and code address of ggml block b (w = d·q + c per code q, as the kernels count it).
QK_INLINE const uint8_t *QK_FN(ggml_block)(const uint8_t *row, size_t b, const int layout, float *d, float *c) {
    const uint8_t *block = row + b * QK_FN(ggml_block_bytes)(layout);
    *d = QK_FN(load_scale)(block, 0, 1);
    if (layout == QK_LAYOUT_Q8_0) { *c = 0.0f; return block + 2; }
    if (layout == QK_LAYOUT_Q4_0) { *c = -8.0f * *d; return block + 2; }
    *c = QK_FN(load_scale)(block, 1, 1);
    return block + 4;
}

// Scale s and offset term c of group g of grouped weight row r (w = s·q + c per code q as the dot sees it:
// u8_shifted when uint8 codes are dotted as q − 128, whose shift then enters c).
QK_INLINE void QK_FN(group_terms)(const qk_matrix *w, size_t r, size_t g, const int codes, const int f16,
                                   const int biased, const int u8_shifted, float *s, float *c) {
    const size_t slot = r * w->groups_per_row + g;
    *s = QK_FN(load_scale)(w->scales, slot, f16);
    *c = biased ? QK_FN(load_scale)(w->biases, slot, f16) : (codes == QK_CODES_U4 ? -8.0f * *s : 0.0f);
    if (codes == QK_CODES_U8 && u8_shifted) *c += 128.0f * *s;
}

// Decode reads R rows of a few KB each, short streams the hardware prefetcher picks up late: asking
// for block b of the next tile's rows while at block b of these (every other block, about one cache
// line per row) measured 1.5x (q8_0) to 1.65x (q4_0) faster for AVX2. Past the last row it is only a
// hint, computed on integers so that no pointer leaves its object.
QK_INLINE void QK_FN(prefetch_next_tile)(const uint8_t *const rows[4], const int R, size_t row_bytes, size_t b,
                                          size_t block_bytes) {
    if (b & 1) return;
    for (int i = 0; i < R; i++) {
        __builtin_prefetch((const void *)((uintptr_t)rows[i] + (size_t)R * row_bytes + b * block_bytes), 0, 3);
    }
}

// Block b of R weight rows (codes at block_codes[i], scale s[i], offset term c[i]) against T activation rows.
QK_INLINE void QK_FN(tile_block)(qk_acc acc[4][2], float offset[4][2], const int R, const int T,
                                  const uint8_t *const block_codes[4], const float s[4], const float c[4], size_t b,
                                  const int8_t *const codes_a[2], const float *const scales_a[2],
                                  const float *const sums_a[2], const int kind, const int has_offset) {
    for (int i = 0; i < R; i++) {
        const qk_wvec wv = qk_prepare(block_codes[i], kind);
        for (int j = 0; j < T; j++) {
            acc[i][j] = QK_ACC_ADD(acc[i][j], s[i] * scales_a[j][b], qk_dot_prepared(wv, codes_a[j] + b * QK_BLOCK, kind));
            if (has_offset) offset[i][j] += c[i] * sums_a[j][b];
        }
    }
}

// Outputs y[t0 + j][r0 + i] for a tile of R weight rows × T activation rows (R ≤ 4, T ≤ 2): each weight
// block is decoded once for all T activation rows and each activation block loaded once for all R
// weight rows, and the R·T accumulators are independent chains.
QK_INLINE void QK_FN(tile)(const qk_matrix *w, const qk_activations *x, size_t r0, size_t t0, float *y,
                            size_t y_stride, const int R, const int T, const int layout, const int codes,
                            const int f16, const int biased) {
    const int grouped = layout == QK_LAYOUT_GROUPED;
    const int kind = grouped ? codes : (layout == QK_LAYOUT_Q8_0 ? QK_CODES_I8 : QK_CODES_U4);
    const int has_offset = grouped ? (biased || codes != QK_CODES_I8) : layout != QK_LAYOUT_Q8_0;
    const size_t code_bytes = kind == QK_CODES_U4 ? QK_BLOCK / 2 : QK_BLOCK;
    const size_t blocks = w->blocks_per_row;
    const size_t groups = w->groups_per_row, per_group = w->blocks_per_group;
    const size_t act_blocks = x->blocks_per_row;

    qk_acc acc[4][2];
    float offset[4][2];
    const uint8_t *rows[4];
    const int8_t *codes_a[2];
    const float *scales_a[2], *sums_a[2];
    for (int i = 0; i < R; i++) {
        rows[i] = w->data + (r0 + i) * w->row_bytes;
        for (int j = 0; j < T; j++) { acc[i][j] = QK_ACC_ZERO(); offset[i][j] = 0.0f; }
    }
    for (int j = 0; j < T; j++) {
        codes_a[j] = x->codes + (t0 + j) * act_blocks * QK_BLOCK;
        scales_a[j] = x->scales + (t0 + j) * act_blocks;
        sums_a[j] = x->scaled_sums + (t0 + j) * act_blocks;
    }
    float s[4], c[4];
    const uint8_t *block_codes[4];
    if (!grouped) {
        for (size_t b = 0; b < blocks; b++) {
            for (int i = 0; i < R; i++) block_codes[i] = QK_FN(ggml_block)(rows[i], b, layout, &s[i], &c[i]);
            if (T == 1) QK_FN(prefetch_next_tile)(rows, R, w->row_bytes, b, QK_FN(ggml_block_bytes)(layout));
            QK_FN(tile_block)(acc, offset, R, T, block_codes, s, c, b, codes_a, scales_a, sums_a, kind, has_offset);
        }
    } else {
        for (size_t g = 0; g < groups; g++) {
            for (int i = 0; i < R; i++) QK_FN(group_terms)(w, r0 + i, g, codes, f16, biased, QK_U8_DOT_IS_OFFSET, &s[i], &c[i]);
            const size_t end = (g + 1) * per_group < blocks ? (g + 1) * per_group : blocks;
            for (size_t b = g * per_group; b < end; b++) {
                for (int i = 0; i < R; i++) block_codes[i] = rows[i] + b * code_bytes;
                if (T == 1) QK_FN(prefetch_next_tile)(rows, R, w->row_bytes, b, code_bytes);
                QK_FN(tile_block)(acc, offset, R, T, block_codes, s, c, b, codes_a, scales_a, sums_a, kind, has_offset);
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int j = 0; j < T; j++) y[(t0 + j) * y_stride + r0 + i] = QK_ACC_SUM(acc[i][j]) + offset[i][j];
    }
}

// A variant may add a prefill kernel built on the block readers above.
#ifdef QK_PREFILL_HEADER
#include QK_PREFILL_HEADER
#endif

// Tiles of weight rows × activation rows small enough to stay in L1/L2 while they are combined.
#define QK_ROW_TILE 16
#define QK_ACTIVATION_TILE 64

QK_INLINE void QK_FN(matmul_specialised)(const qk_matrix *w, const qk_activations *x, size_t row_begin,
                                          size_t row_end, float *y, size_t y_stride, const int layout,
                                          const int codes, const int f16, const int biased) {
#ifdef QK_HAVE_PANEL_DECODE
    // Panels when the matrix has them and the variant reads them (AVX2: not 8-bit codes with offsets); else
    // the variant's one-row kernel or the tiles below.
    if (x->rows == 1 && QK_FN(panel_decode)(w, x, row_begin, row_end, y, y_stride)) return;
#endif
#ifdef QK_HAVE_DECODE
    if (x->rows == 1) {
        QK_FN(decode)(w, x, row_begin, row_end, y, y_stride, layout, codes, f16, biased);
        return;
    }
#endif
#ifdef QK_HAVE_PREFILL
    if (x->rows >= QK_PREFILL_MIN_ROWS && QK_FN(prefill)(w, x, row_begin, row_end, y, y_stride, layout, codes, f16, biased)) return;
#endif
    for (size_t r0 = row_begin; r0 < row_end; r0 += QK_ROW_TILE) {
        const size_t r1 = r0 + QK_ROW_TILE < row_end ? r0 + QK_ROW_TILE : row_end;
        for (size_t t0 = 0; t0 < x->rows; t0 += QK_ACTIVATION_TILE) {
            const size_t t1 = t0 + QK_ACTIVATION_TILE < x->rows ? t0 + QK_ACTIVATION_TILE : x->rows;
            size_t r = r0;
            if (t1 - t0 == 1) {
                // Decode: four weight rows per activation row keep four weight streams in flight.
                for (; r + 4 <= r1; r += 4) QK_FN(tile)(w, x, r, t0, y, y_stride, 4, 1, layout, codes, f16, biased);
                for (; r < r1; r++) QK_FN(tile)(w, x, r, t0, y, y_stride, 1, 1, layout, codes, f16, biased);
                continue;
            }
            for (; r + 2 <= r1; r += 2) {
                size_t t = t0;
                for (; t + 2 <= t1; t += 2) QK_FN(tile)(w, x, r, t, y, y_stride, 2, 2, layout, codes, f16, biased);
                if (t < t1) QK_FN(tile)(w, x, r, t, y, y_stride, 2, 1, layout, codes, f16, biased);
            }
            if (r < r1) {
                size_t t = t0;
                for (; t + 2 <= t1; t += 2) QK_FN(tile)(w, x, r, t, y, y_stride, 1, 2, layout, codes, f16, biased);
                if (t < t1) QK_FN(tile)(w, x, r, t, y, y_stride, 1, 1, layout, codes, f16, biased);
            }
        }
    }
}

#include "unpacked_template.h"

#define QK_GROUPED_CASE(CODES, F16, BIASED) \
    QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_GROUPED, CODES, F16, BIASED)

void QK_FN(qk_matmul)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                   size_t y_stride) {
    switch (w->layout) {
    case QK_LAYOUT_Q8_0: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q8_0, 0, 1, 0); return;
    case QK_LAYOUT_Q4_0: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q4_0, 0, 1, 0); return;
    case QK_LAYOUT_Q4_1: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q4_1, 0, 1, 0); return;
    case QK_LAYOUT_Q4_K: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q4_K); return;
    case QK_LAYOUT_Q5_K: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q5_K); return;
    case QK_LAYOUT_Q6_K: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q6_K); return;
    case QK_LAYOUT_Q5_0: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q5_0); return;
    case QK_LAYOUT_Q5_1: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q5_1); return;
    case QK_LAYOUT_Q2_K: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q2_K); return;
    case QK_LAYOUT_Q3_K: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q3_K); return;
    case QK_LAYOUT_IQ4_NL: QK_FN(unpacked_matmul)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_IQ4_NL); return;
    default: break;
    }
    const int f16 = w->scales_are_f16 != 0, biased = w->has_biases != 0;
    switch (w->codes) {
    case QK_CODES_I8:
        if (f16) { if (biased) QK_GROUPED_CASE(QK_CODES_I8, 1, 1); else QK_GROUPED_CASE(QK_CODES_I8, 1, 0); }
        else { if (biased) QK_GROUPED_CASE(QK_CODES_I8, 0, 1); else QK_GROUPED_CASE(QK_CODES_I8, 0, 0); }
        return;
    case QK_CODES_U8:
        if (f16) { if (biased) QK_GROUPED_CASE(QK_CODES_U8, 1, 1); else QK_GROUPED_CASE(QK_CODES_U8, 1, 0); }
        else { if (biased) QK_GROUPED_CASE(QK_CODES_U8, 0, 1); else QK_GROUPED_CASE(QK_CODES_U8, 0, 0); }
        return;
    default:
        if (f16) { if (biased) QK_GROUPED_CASE(QK_CODES_U4, 1, 1); else QK_GROUPED_CASE(QK_CODES_U4, 1, 0); }
        else { if (biased) QK_GROUPED_CASE(QK_CODES_U4, 0, 1); else QK_GROUPED_CASE(QK_CODES_U4, 0, 0); }
        return;
    }
}

// Half-precision weights: QK_HLANES values widened at a time, R rows (≤ 4) against one activation row
// so that R weight streams are in flight at once and each activation load serves all of them.
QK_INLINE void QK_FN(half_tile)(const uint16_t *w, const int is_bf16, size_t columns, const float *xt, size_t r0,
                                 const int R, float *out, size_t out_stride) {
    const size_t vector_end = columns - columns % QK_HLANES;
    qk_hvec acc[4];
    const uint16_t *rows[4];
    for (int i = 0; i < R; i++) { acc[i] = QK_HZERO(); rows[i] = w + (r0 + i) * columns; }
    for (size_t c = 0; c < vector_end; c += QK_HLANES) {
        const qk_hvec xv = QK_XLOAD(xt + c);
        for (int i = 0; i < R; i++) acc[i] = QK_HFMA(QK_HLOAD(rows[i] + c, is_bf16), xv, acc[i]);
    }
    for (int i = 0; i < R; i++) {
        float sum = QK_HSUM(acc[i]);
        for (size_t c = vector_end; c < columns; c++) {
            sum += (is_bf16 ? qk_bf16_bits_to_float(rows[i][c]) : QK_HALF(rows[i][c])) * xt[c];
        }
        out[i * out_stride] = sum;
    }
}

QK_INLINE void QK_FN(half_rows)(const uint16_t *w, const int is_bf16, size_t columns, const float *x, size_t x_rows,
                                 size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    for (size_t t = 0; t < x_rows; t++) {
        const float *xt = x + t * columns;
        size_t r = row_begin;
        for (; r + 4 <= row_end; r += 4) QK_FN(half_tile)(w, is_bf16, columns, xt, r, 4, y + t * y_stride + r, 1);
        for (; r < row_end; r++) QK_FN(half_tile)(w, is_bf16, columns, xt, r, 1, y + t * y_stride + r, 1);
    }
}

void QK_FN(qk_half_matmul)(const uint16_t *w, int is_bf16, size_t columns, const float *x, size_t x_rows,
                           size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    if (is_bf16) QK_FN(half_rows)(w, 1, columns, x, x_rows, row_begin, row_end, y, y_stride);
    else QK_FN(half_rows)(w, 0, columns, x, x_rows, row_begin, row_end, y, y_stride);
}
