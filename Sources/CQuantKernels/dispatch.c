// Picks a variant from what the CPU reports at run time; the portable variant is always available.
#include "variants.h"

#include <unistd.h>

int qk_variant_available(int variant) {
    switch (variant) {
    case QK_VARIANT_PORTABLE: return 1;
#if QK_HAVE_X86_VARIANTS
    case QK_VARIANT_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case QK_VARIANT_AVX_VNNI:
        __builtin_cpu_init();
        return qk_variant_available(QK_VARIANT_AVX2) && __builtin_cpu_supports("avxvnni");
    case QK_VARIANT_AVX512_VNNI:
        __builtin_cpu_init();
        return qk_variant_available(QK_VARIANT_AVX2) && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512vnni");
#endif
    default: return 0;
    }
}

int qk_best_variant(void) {
    for (int v = QK_VARIANT_COUNT - 1; v > 0; v--) {
        if (qk_variant_available(v)) return v;
    }
    return QK_VARIANT_PORTABLE;
}

const char *qk_variant_name(int variant) {
    switch (variant) {
    case QK_VARIANT_PORTABLE: return "portable";
    case QK_VARIANT_AVX2: return "avx2";
    case QK_VARIANT_AVX_VNNI: return "avx-vnni";
    case QK_VARIANT_AVX512_VNNI: return "avx512-vnni";
    default: return "unknown";
    }
}

void qk_matmul(int variant, const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
               size_t y_stride) {
    switch (variant) {
#if QK_HAVE_X86_VARIANTS
    case QK_VARIANT_AVX2: qk_matmul_avx2(w, x, row_begin, row_end, y, y_stride); return;
    case QK_VARIANT_AVX_VNNI: qk_matmul_avx_vnni(w, x, row_begin, row_end, y, y_stride); return;
    case QK_VARIANT_AVX512_VNNI: qk_matmul_avx512(w, x, row_begin, row_end, y, y_stride); return;
#endif
    default: qk_matmul_portable(w, x, row_begin, row_end, y, y_stride); return;
    }
}

void qk_half_matmul(int variant, const uint16_t *w, int is_bf16, size_t columns, const float *x, size_t x_rows,
                    size_t row_begin, size_t row_end, float *y, size_t y_stride) {
    switch (variant) {
#if QK_HAVE_X86_VARIANTS
    case QK_VARIANT_AVX2: qk_half_matmul_avx2(w, is_bf16, columns, x, x_rows, row_begin, row_end, y, y_stride); return;
    case QK_VARIANT_AVX_VNNI: qk_half_matmul_avx_vnni(w, is_bf16, columns, x, x_rows, row_begin, row_end, y, y_stride); return;
    case QK_VARIANT_AVX512_VNNI: qk_half_matmul_avx512(w, is_bf16, columns, x, x_rows, row_begin, row_end, y, y_stride); return;
#endif
    default: qk_half_matmul_portable(w, is_bf16, columns, x, x_rows, row_begin, row_end, y, y_stride); return;
    }
}

int qk_dequantize_rows(int variant, const qk_matrix *w, size_t row_begin, size_t row_end, float *out) {
    switch (w->layout) {
    case QK_LAYOUT_Q2_K: case QK_LAYOUT_Q3_K: case QK_LAYOUT_Q4_K: case QK_LAYOUT_Q5_K: case QK_LAYOUT_Q6_K:
    case QK_LAYOUT_Q5_0: case QK_LAYOUT_Q5_1: case QK_LAYOUT_IQ4_NL: break;
    default: return 0;
    }
    switch (variant) {
#if QK_HAVE_X86_VARIANTS
    case QK_VARIANT_AVX2: qk_dequantize_rows_avx2(w, row_begin, row_end, out); return 1;
    case QK_VARIANT_AVX_VNNI: qk_dequantize_rows_avx_vnni(w, row_begin, row_end, out); return 1;
    case QK_VARIANT_AVX512_VNNI: qk_dequantize_rows_avx512(w, row_begin, row_end, out); return 1;
#endif
    default: qk_dequantize_rows_portable(w, row_begin, row_end, out); return 1;
    }
}

int qk_f32_matvec(int variant, const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
#if QK_HAVE_X86_VARIANTS
    if (variant == QK_VARIANT_AVX512_VNNI) {
        qk_f32_matvec_avx512(w, columns, x, row_begin, row_end, y);
        return 1;
    }
    if (variant == QK_VARIANT_AVX2) {
        qk_f32_matvec_avx2(w, columns, x, row_begin, row_end, y);
        return 1;
    }
    if (variant == QK_VARIANT_AVX_VNNI) {
        qk_f32_matvec_avx_vnni(w, columns, x, row_begin, row_end, y);
        return 1;
    }
#endif
    (void)w; (void)columns; (void)x; (void)row_begin; (void)row_end; (void)y;
    return 0;
}

size_t qk_l1_data_bytes(void) {
    static long bytes = 0;  // a benign race: every thread reads the same value
    if (bytes <= 0) {
        const long reported = sysconf(_SC_LEVEL1_DCACHE_SIZE);
        bytes = reported > 0 ? reported : 32768;
    }
    return (size_t)bytes;
}
