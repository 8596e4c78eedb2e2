// The row-dot and matmul loops shared by every variant. A variant file defines the primitives
// below and then includes this file once:
//   QK_FN(name)               the variant's function name
//   qk_acc, QK_ACC_ZERO(), QK_ACC_ADD(acc, scale, idot), QK_ACC_SUM(acc)
//   qk_idot, qk_dot_i8(w, a), qk_dot_u8(w, a), qk_dot_u4(w, a)    integer dots of one 32-value block
//   QK_U8_DOT_IS_OFFSET      1 when qk_dot_u8 returns Σ (q − 128)·a instead of Σ q·a
//   QK_HALF(bits)            IEEE half → float
//   qk_hvec, QK_HLANES, QK_HZERO(), QK_HLOAD(p, bf16), QK_XLOAD(p), QK_HFMA(w, x, acc), QK_HADD, QK_HSUM
//                            the half-precision-weight kernel's vectors of QK_HLANES floats
// Loops take the layout and code kind as constants so that every combination is specialised.

#include "half.h"

#define QK_INLINE static inline __attribute__((always_inline))

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

QK_INLINE qk_idot QK_FN(dot_codes)(const uint8_t *w, const int8_t *a, const int codes) {
    if (codes == QK_CODES_I8) return qk_dot_i8(w, a);
    if (codes == QK_CODES_U8) return qk_dot_u8(w, a);
    return qk_dot_u4(w, a);
}

// Blocks are taken two at a time: a variant with wide registers (QK_PAIR) multiplies both in one
// instruction; otherwise the pair feeds two independent accumulator chains so that consecutive blocks
// overlap instead of waiting on each other's multiply-add latency.
#ifndef QK_PAIR
typedef struct { qk_acc first, second; } qk_pacc;
#define QK_PACC_ZERO() ((qk_pacc){QK_ACC_ZERO(), QK_ACC_ZERO()})
#define QK_PACC_SUM(p) (QK_ACC_SUM((p).first) + QK_ACC_SUM((p).second))
QK_INLINE qk_pacc qk_pair_add(qk_pacc p, const uint8_t *w0, const uint8_t *w1, const int8_t *a, float s0, float s1,
                              const int codes) {
    p.first = QK_ACC_ADD(p.first, s0, QK_FN(dot_codes)(w0, a, codes));
    p.second = QK_ACC_ADD(p.second, s1, QK_FN(dot_codes)(w1, a + QK_BLOCK, codes));
    return p;
}
#endif

QK_INLINE size_t QK_FN(ggml_block_bytes)(const int layout) {
    return layout == QK_LAYOUT_Q8_0 ? 34 : layout == QK_LAYOUT_Q4_0 ? 18 : 20;
}

// Weight scale, code kind, offset term and code address of ggml block b.
QK_INLINE const uint8_t *QK_FN(ggml_block)(const uint8_t *row, size_t b, const int layout, float *d, float *c) {
    const uint8_t *block = row + b * QK_FN(ggml_block_bytes)(layout);
    *d = QK_FN(load_scale)(block, 0, 1);
    if (layout == QK_LAYOUT_Q8_0) { *c = 0.0f; return block + 2; }
    if (layout == QK_LAYOUT_Q4_0) { *c = -8.0f * *d; return block + 2; }
    *c = QK_FN(load_scale)(block, 1, 1);
    return block + 4;
}

QK_INLINE float QK_FN(row_dot)(const qk_matrix *w, size_t r, const int8_t *codes_a, const float *scales_a,
                                const float *sums_a, const int layout, const int codes, const int f16,
                                const int biased) {
    qk_pacc pairs = QK_PACC_ZERO();
    qk_acc single = QK_ACC_ZERO();
    float offset = 0.0f;
    const uint8_t *row = w->data + r * w->row_bytes;
    const size_t blocks = w->blocks_per_row;
    if (layout == QK_LAYOUT_GROUPED) {
        const size_t code_bytes = codes == QK_CODES_U4 ? QK_BLOCK / 2 : QK_BLOCK;
        const int offsets = biased || codes != QK_CODES_I8;
        const size_t groups = w->groups_per_row, per_group = w->blocks_per_group;
        for (size_t g = 0; g < groups; g++) {
            const float s = QK_FN(load_scale)(w->scales, r * groups + g, f16);
            float c = biased ? QK_FN(load_scale)(w->biases, r * groups + g, f16)
                             : (codes == QK_CODES_U4 ? -8.0f * s : 0.0f);
            if (codes == QK_CODES_U8 && QK_U8_DOT_IS_OFFSET) c += 128.0f * s;
            const size_t end = (g + 1) * per_group < blocks ? (g + 1) * per_group : blocks;
            size_t b = g * per_group;
            for (; b + 1 < end; b += 2) {
                pairs = qk_pair_add(pairs, row + b * code_bytes, row + (b + 1) * code_bytes, codes_a + b * QK_BLOCK,
                                    s * scales_a[b], s * scales_a[b + 1], codes);
                if (offsets) offset += c * (sums_a[b] + sums_a[b + 1]);
            }
            if (b < end) {
                single = QK_ACC_ADD(single, s * scales_a[b], QK_FN(dot_codes)(row + b * code_bytes, codes_a + b * QK_BLOCK, codes));
                if (offsets) offset += c * sums_a[b];
            }
        }
    } else {
        const int kind = layout == QK_LAYOUT_Q8_0 ? QK_CODES_I8 : QK_CODES_U4;
        size_t b = 0;
        for (; b + 1 < blocks; b += 2) {
            float d0, c0, d1, c1;
            const uint8_t *q0 = QK_FN(ggml_block)(row, b, layout, &d0, &c0);
            const uint8_t *q1 = QK_FN(ggml_block)(row, b + 1, layout, &d1, &c1);
            pairs = qk_pair_add(pairs, q0, q1, codes_a + b * QK_BLOCK, d0 * scales_a[b], d1 * scales_a[b + 1], kind);
            if (layout != QK_LAYOUT_Q8_0) offset += c0 * sums_a[b] + c1 * sums_a[b + 1];
        }
        if (b < blocks) {
            float d0, c0;
            const uint8_t *q0 = QK_FN(ggml_block)(row, b, layout, &d0, &c0);
            single = QK_ACC_ADD(single, d0 * scales_a[b], QK_FN(dot_codes)(q0, codes_a + b * QK_BLOCK, kind));
            if (layout != QK_LAYOUT_Q8_0) offset += c0 * sums_a[b];
        }
    }
    return QK_PACC_SUM(pairs) + QK_ACC_SUM(single) + offset;
}

// Tiles of weight rows × activation rows small enough to stay in L1/L2 while they are combined.
#define QK_ROW_TILE 16
#define QK_ACTIVATION_TILE 64

QK_INLINE void QK_FN(matmul_specialised)(const qk_matrix *w, const qk_activations *x, size_t row_begin,
                                          size_t row_end, float *y, size_t y_stride, const int layout,
                                          const int codes, const int f16, const int biased) {
    const size_t blocks = x->blocks_per_row;
    for (size_t r0 = row_begin; r0 < row_end; r0 += QK_ROW_TILE) {
        const size_t r1 = r0 + QK_ROW_TILE < row_end ? r0 + QK_ROW_TILE : row_end;
        for (size_t t0 = 0; t0 < x->rows; t0 += QK_ACTIVATION_TILE) {
            const size_t t1 = t0 + QK_ACTIVATION_TILE < x->rows ? t0 + QK_ACTIVATION_TILE : x->rows;
            for (size_t r = r0; r < r1; r++) {
                for (size_t t = t0; t < t1; t++) {
                    y[t * y_stride + r] = QK_FN(row_dot)(w, r, x->codes + t * blocks * QK_BLOCK, x->scales + t * blocks,
                                                         x->scaled_sums + t * blocks, layout, codes, f16, biased);
                }
            }
        }
    }
}

#define QK_GROUPED_CASE(CODES, F16, BIASED) \
    QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_GROUPED, CODES, F16, BIASED)

void QK_FN(qk_matmul)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                   size_t y_stride) {
    switch (w->layout) {
    case QK_LAYOUT_Q8_0: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q8_0, 0, 1, 0); return;
    case QK_LAYOUT_Q4_0: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q4_0, 0, 1, 0); return;
    case QK_LAYOUT_Q4_1: QK_FN(matmul_specialised)(w, x, row_begin, row_end, y, y_stride, QK_LAYOUT_Q4_1, 0, 1, 0); return;
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

// Half-precision weights: widen QK_HLANES values at a time, two independent accumulators.
QK_INLINE void QK_FN(half_rows)(const uint16_t *w, const int is_bf16, size_t columns, const float *x, size_t x_rows,
                                 size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    const size_t step = 2 * QK_HLANES;
    const size_t vector_end = columns - columns % step;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint16_t *row = w + r * columns;
        for (size_t t = 0; t < x_rows; t++) {
            const float *xt = x + t * columns;
            qk_hvec acc0 = QK_HZERO(), acc1 = QK_HZERO();
            for (size_t c = 0; c < vector_end; c += step) {
                acc0 = QK_HFMA(QK_HLOAD(row + c, is_bf16), QK_XLOAD(xt + c), acc0);
                acc1 = QK_HFMA(QK_HLOAD(row + c + QK_HLANES, is_bf16), QK_XLOAD(xt + c + QK_HLANES), acc1);
            }
            float sum = QK_HSUM(QK_HADD(acc0, acc1));
            for (size_t c = vector_end; c < columns; c++) {
                sum += (is_bf16 ? qk_bf16_bits_to_float(row[c]) : QK_HALF(row[c])) * xt[c];
            }
            y[t * y_stride + r] = sum;
        }
    }
}

void QK_FN(qk_half_matmul)(const uint16_t *w, int is_bf16, size_t columns, const float *x, size_t x_rows,
                           size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    if (is_bf16) QK_FN(half_rows)(w, 1, columns, x, x_rows, row_begin, row_end, y, y_stride);
    else QK_FN(half_rows)(w, 0, columns, x, x_rows, row_begin, row_end, y, y_stride);
}
