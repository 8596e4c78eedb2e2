// AVX-512 with VNNI (Ice Lake / Zen 4 and later): dpbusd on 256-bit lanes for the template's small
// tiles (one block of 32 per instruction, as ggml does; pairing two blocks per 512-bit dpbusd measured
// slower on Zen 4, which splits 512-bit operations), 512-bit dpbusd in decode_avx512.h (one activation
// row) and prefill_avx512.h (four or more: repacked operands, measured 1.0–1.9× OpenBLAS sgemm on
// SmolLM2's shapes on Sapphire Rapids, against 0.3–0.6× for the template's tiles), 512-bit loads for
// the half-precision kernel.
#include "variants.h"
#if QK_HAVE_X86_VARIANTS
#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

#define QK_FN(name) name##_avx512
#define QK_U8_DOT_IS_OFFSET 0
#include "x86_common.h"

static inline __m256i qk_dot_add(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }

#include "block_dots_x86.h"

static inline __m512 qk_load16_half(const uint16_t *p, int is_bf16) {
    const __m256i raw = _mm256_loadu_si256((const __m256i *)p);
    if (is_bf16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
    return _mm512_cvtph_ps(raw);
}

typedef __m512 qk_hvec;
#define QK_HLANES 16
#define QK_HZERO() _mm512_setzero_ps()
#define QK_HLOAD(p, bf16) qk_load16_half(p, bf16)
#define QK_XLOAD(p) _mm512_loadu_ps(p)
#define QK_HFMA(w, x, acc) _mm512_fmadd_ps(w, x, acc)
#define QK_HADD(a, b) _mm512_add_ps(a, b)
#define QK_HSUM(v) _mm512_reduce_add_ps(v)

#define QK_INLINE static inline __attribute__((always_inline))
#include "decode_panels_avx512.h"
#include "decode_avx512.h"
#include "prefill_avx512.h"
#include "unpacked_blocks.h"
#include "unpacked_decode_avx512.h"
#include "kernel_template.h"

// f32 weights, one activation row: y[r] = W[r, :]·x for r in [row_begin, row_end). One or four rows at
// a time (qk_decode_tile_rows: four weight streams share each x vector load), two accumulators a row so
// the FMA latency is covered. No software prefetch: on Zen 5 the hardware prefetchers keep up with four
// streams, and the prefetch instructions (two a step per row, 8 KB ahead) cost 8–13% of the stream
// rate in a same-process comparison over SmolLM2's matrices (FloatMatrixMemory keeps them in 2 MiB
// pages, which the prefetchers need: they stop at 4 KiB page boundaries).
static void qk_f32_rows_avx512(const float *w, size_t columns, const float *x, size_t r0, float *y, const int R) {
    const float *rows[4];
    __m512 acc[4][2];
    for (int i = 0; i < R; i++) { rows[i] = w + (r0 + (size_t)i) * columns; acc[i][0] = acc[i][1] = _mm512_setzero_ps(); }
    size_t c = 0;
    for (; c + 32 <= columns; c += 32) {
        const __m512 x0 = _mm512_loadu_ps(x + c), x1 = _mm512_loadu_ps(x + c + 16);
        for (int i = 0; i < R; i++) {
            acc[i][0] = _mm512_fmadd_ps(_mm512_loadu_ps(rows[i] + c), x0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(_mm512_loadu_ps(rows[i] + c + 16), x1, acc[i][1]);
        }
    }
    for (; c < columns; c += 16) {
        const __mmask16 live = columns - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - c)) - 1);
        const __m512 xv = _mm512_maskz_loadu_ps(live, x + c);
        for (int i = 0; i < R; i++) acc[i][0] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(live, rows[i] + c), xv, acc[i][0]);
    }
    for (int i = 0; i < R; i++) y[r0 + (size_t)i] = _mm512_reduce_add_ps(_mm512_add_ps(acc[i][0], acc[i][1]));
}

void qk_f32_matvec_avx512(const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    size_t r = row_begin;
    if (qk_decode_tile_rows(QK_VARIANT_AVX512_VNNI, qk_f32_tile_class(columns)) == 4)
        for (; r + 4 <= row_end; r += 4) qk_f32_rows_avx512(w, columns, x, r, y, 4);
    for (; r < row_end; r++) qk_f32_rows_avx512(w, columns, x, r, y, 1);
}

#pragma clang attribute pop
#endif
