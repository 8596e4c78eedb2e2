// The row loop of the AVX2 and AVX-512 decoders of the types whose scales are per 16 values (Q2_K, Q3_K,
// Q6_K), which differ only in their vector accumulator. The including file defines QK_ROW_ACC (the type),
// QK_ROW_ACC_ZERO(), QK_ROW_ACC_SUM(acc), QK_ROW_TERMS_START(acc) and QK_ROW_TERMS_END(acc, terms) (a
// super-block's terms either start from the row's sum and replace it, or start from zero and are added
// to it), its prepare_activation_groups (qk_activation_groups in its lane order),
// q2_k_q3_k_super_block(block, three_bit, a, groups, QK_ROW_ACC *acc) and
// q6_k_super_block(block, a, groups, QK_ROW_ACC *acc). Included once by each, after those.
#ifndef QUANT_KERNELS_UNPACKED_ROWS_X86_H
#define QUANT_KERNELS_UNPACKED_ROWS_X86_H

// Rows [row_begin, row_end) of a Q2_K, Q3_K or Q6_K matrix against one activation row: 0 when the
// per-call buffer cannot be had (the caller then takes the generic loop).
QK_INLINE int QK_FN(grouped_rows)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                                     const int layout) {
    const size_t units = w->blocks_per_row / 8, unit_bytes = qk_unit_bytes(layout);
    // Cache-line aligned: malloc's 16-byte alignment split every 64-byte load over two lines.
    void *buffer = aligned_alloc(64, (units + 1) * 3 * 64);
    if (!buffer) return 0;
    const qk_activation_groups groups = {buffer, (float *)buffer + 16 * units, (float *)buffer + 32 * units};
    QK_FN(prepare_activation_groups)(x, units, &groups);
    for (size_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w->data + r * w->row_bytes;
        QK_ROW_ACC acc = QK_ROW_ACC_ZERO();
        for (size_t s = 0; s < units; s++) {
            const uint8_t *block = row + s * unit_bytes;
            const int8_t *a = x->codes + s * 256;
            // Constant arguments, so that each form is compiled on its own.
            const qk_activation_groups unit = qk_groups_of_unit(&groups, s);
            QK_ROW_ACC terms = QK_ROW_TERMS_START(acc);
            if (layout == QK_LAYOUT_Q6_K) QK_FN(q6_k_super_block)(block, a, &unit, &terms);
            else if (layout == QK_LAYOUT_Q3_K) QK_FN(q2_k_q3_k_super_block)(block, 1, a, &unit, &terms);
            else QK_FN(q2_k_q3_k_super_block)(block, 0, a, &unit, &terms);
            acc = QK_ROW_TERMS_END(acc, terms);
        }
        y[r] = QK_ROW_ACC_SUM(acc);
    }
    free(buffer);
    return 1;
}

#endif
