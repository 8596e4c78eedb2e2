// Declarations of each variant's entry points (internal to the C target).
#ifndef QUANT_KERNELS_VARIANTS_H
#define QUANT_KERNELS_VARIANTS_H

#include "quant_kernels.h"

// The x86 variants use clang's `#pragma clang attribute` to compile for their instruction sets.
// -DQK_PORTABLE_ONLY builds the portable variant alone, as on other architectures.
#if defined(__x86_64__) && defined(__clang__) && !defined(QK_PORTABLE_ONLY)
#define QK_HAVE_X86_VARIANTS 1
#else
#define QK_HAVE_X86_VARIANTS 0
#endif

#define QK_DECLARE_VARIANT(SUFFIX)                                                                         \
    void qk_matmul_##SUFFIX(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, \
                            float *y, size_t y_stride);                                                    \
    void qk_half_matmul_##SUFFIX(const uint16_t *w, int is_bf16, size_t columns, const float *x,           \
                                 size_t x_rows, size_t row_begin, size_t row_end, float *y, size_t y_stride); \
    void qk_dequantize_rows_##SUFFIX(const qk_matrix *w, size_t row_begin, size_t row_end, float *out);

QK_DECLARE_VARIANT(portable)
#if QK_HAVE_X86_VARIANTS
QK_DECLARE_VARIANT(avx2)
QK_DECLARE_VARIANT(avx_vnni)
QK_DECLARE_VARIANT(avx512)
void qk_f32_matvec_avx2(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y);
void qk_f32_matvec_avx_vnni(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y);
void qk_f32_matvec_avx512(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y);
#endif

#endif
