// The loops of the layouts each variant unpacks (unpacked_blocks.h: k-quants, Q5_0, Q5_1), included by
// kernel_template.h: each unit of a weight row (a 256-value super-block or a block of 32) is unpacked
// once, then each of its blocks of 32 signed codes is dotted with an activation block through the
// variant's qk_acc_add_halves (one float scale per 16 values), and offsets (minima) enter through the
// activations' scaled sums.

#include <stdlib.h>
#include "unpacked_blocks.h"

// Weight rows a prefill tile unpacks together: each activation row, loaded once, meets this many.
#define QK_UNPACKED_TILE_ROWS 4

// Activation rows up to which the one-row decoders run once per row instead of the tile loop (one less
// than WeightMatrix.unpackedPrefillRows, from which the engines dequantize blocks for sgemm instead).
#define QK_UNPACKED_DECODE_ROWS 63

// One unpacked unit of `blocks` blocks against activation blocks a (codes), scales sa and scaled sums ss.
QK_INLINE qk_acc QK_FN(unpacked_dot)(qk_acc acc, float *offset, const qk_unpacked_unit *u, const size_t blocks,
                                      const int8_t *a, const float *sa, const float *ss) {
    for (size_t j = 0; j < blocks; j++) {
        acc = qk_acc_add_halves(acc, u->codes + QK_BLOCK * j, a + QK_BLOCK * j, u->scales[2 * j] * sa[j],
                                u->scales[2 * j + 1] * sa[j]);
        if (u->half_offsets_set) {
            int first = 0, second = 0;
            for (int l = 0; l < 16; l++) {
                first += a[QK_BLOCK * j + l];
                second += a[QK_BLOCK * j + 16 + l];
            }
            *offset += sa[j] * (u->half_offsets[2 * j] * (float)first + u->half_offsets[2 * j + 1] * (float)second);
        } else {
            *offset += u->offsets[j] * ss[j];
        }
    }
    return acc;
}

// Weight row r (its units unpacked one by one, or read from `unpacked`) against activation row t.
QK_INLINE float QK_FN(unpacked_row)(const qk_matrix *w, const qk_activations *x, size_t r, size_t t,
                                     const qk_unpacked_unit *unpacked, const int layout) {
    const size_t blocks = qk_unit_values(layout) / QK_BLOCK, units = w->blocks_per_row / blocks;
    const size_t unit_bytes = qk_unit_bytes(layout), first = t * x->blocks_per_row;
    const uint8_t *row = w->data + r * w->row_bytes;
    qk_unpacked_unit u;
    qk_acc acc = QK_ACC_ZERO();
    float offset = 0.0f;
    for (size_t s = 0; s < units; s++) {
        const qk_unpacked_unit *unit = unpacked ? unpacked + s : &u;
        if (!unpacked) qk_unpack_unit(row + s * unit_bytes, layout, &u);
        const size_t b = first + s * blocks;
        acc = QK_FN(unpacked_dot)(acc, &offset, unit, blocks, x->codes + b * QK_BLOCK, x->scales + b, x->scaled_sums + b);
    }
    return QK_ACC_SUM(acc) + offset;
}

// One activation row streams each weight row once. Several: a tile of weight rows is unpacked whole
// (a few tens of KB, kept in L2) and every activation row meets each of them; without the buffer,
// each row is unpacked again for every activation row.
QK_INLINE void QK_FN(unpacked_matmul)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end,
                                       float *y, size_t y_stride, const int layout) {
#ifdef QK_HAVE_UNPACKED_DECODE
    // Decode, and a few activation rows (short prompts; more go to sgemm, see WeightMatrix): the one-row
    // kernel once per row re-reads the weights but beats unpacking them into the generic loop (Llama-7B
    // Q4_K_M, 8 rows, 1 thread, Zen 4: 1.5–1.6 s against 2.6–2.7).
    if (x->rows <= QK_UNPACKED_DECODE_ROWS) {
        int done = 1;
        for (size_t t = 0; t < x->rows && done; t++) {
            const size_t first = t * x->blocks_per_row;
            const qk_activations row = {.rows = 1, .blocks_per_row = x->blocks_per_row, .codes = x->codes + first * QK_BLOCK,
                                        .scales = x->scales + first, .scaled_sums = x->scaled_sums + first,
                                        .blocks_per_scale = x->blocks_per_scale};
            done = QK_FN(unpacked_decode)(w, &row, row_begin, row_end, y + t * y_stride, layout);
        }
        if (done) return;
    }
#endif
    const size_t blocks = qk_unit_values(layout) / QK_BLOCK, units = w->blocks_per_row / blocks;
    qk_unpacked_unit *tile = x->rows > 1 && units > 0 ? malloc(QK_UNPACKED_TILE_ROWS * units * sizeof(qk_unpacked_unit)) : NULL;
    if (!tile) {
        for (size_t t = 0; t < x->rows; t++) {
            for (size_t r = row_begin; r < row_end; r++) y[t * y_stride + r] = QK_FN(unpacked_row)(w, x, r, t, NULL, layout);
        }
        return;
    }
    const size_t unit_bytes = qk_unit_bytes(layout);
    for (size_t r0 = row_begin; r0 < row_end; r0 += QK_UNPACKED_TILE_ROWS) {
        const size_t rows = row_end - r0 < QK_UNPACKED_TILE_ROWS ? row_end - r0 : QK_UNPACKED_TILE_ROWS;
        for (size_t i = 0; i < rows; i++) {
            const uint8_t *row = w->data + (r0 + i) * w->row_bytes;
            for (size_t s = 0; s < units; s++) qk_unpack_unit(row + s * unit_bytes, layout, &tile[i * units + s]);
        }
        for (size_t t = 0; t < x->rows; t++) {
            for (size_t i = 0; i < rows; i++) y[t * y_stride + r0 + i] = QK_FN(unpacked_row)(w, x, r0 + i, t, tile + i * units, layout);
        }
    }
    free(tile);
}

// Rows [row_begin, row_end) widened to float, row after row, for the engines' prefill through sgemm:
// w = scale·code (+ offset where the type has minima), each product and sum rounded on its own as in
// ggml's dequantize_row_*, so the values are GGMLDequantization's bit for bit.
void QK_FN(qk_dequantize_rows)(const qk_matrix *w, size_t row_begin, size_t row_end, float *out) {
#pragma clang fp contract(off)
    const int layout = w->layout;
    const size_t values = qk_unit_values(layout), unit_bytes = qk_unit_bytes(layout);
    const size_t columns = w->blocks_per_row * QK_BLOCK, units = columns / values;
    const int minima = layout == QK_LAYOUT_Q4_K || layout == QK_LAYOUT_Q5_K || layout == QK_LAYOUT_Q5_1;
    qk_unpacked_unit u;
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        for (size_t s = 0; s < units; s++) {
            qk_unpack_unit(row + s * unit_bytes, layout, &u);
            float *y = out + (r - row_begin) * columns + s * values;
            for (size_t i = 0; i < values; i++) y[i] = (float)u.codes[i] * u.scales[i / 16];
            if (u.half_offsets_set) {
                for (size_t i = 0; i < values; i++) y[i] += u.half_offsets[i / 16];
            } else if (minima) {
                for (size_t i = 0; i < values; i++) y[i] += u.offsets[i / 32];
            }
        }
    }
}
