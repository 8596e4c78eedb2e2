// AVX-512 VNNI decode (one activation row) over decode panels (panel_layout.h): the activation row is
// regrouped once per call the same way as the weights, so one dpbusd adds four bytes of each of 16
// blocks into that block's own int32 lane, and the float work (convert, scale product, two FMAs) is
// paid once per 16 blocks instead of once or twice per block. Each step is a 64-byte load, for
// 4-bit codes two masks and a shift, and dpbusd: about two instructions per block, so the kernel waits
// on memory rather than on the core, unlike decode_avx512.h on the ggml blocks where nibble gathers
// and per-block scales kept 4-bit at 13 GB/s against 22 GB/s for 8-bit on Zen 5.
// Included by kernels_avx512.c before decode_avx512.h and kernel_template.h.

#include "panel_layout.h"

// y[r0 + i] for R ≤ 4 panel rows from r0.
QK_INLINE void QK_FN(panel_tile)(const qk_matrix *w, const qk_panel_geometry *g, const uint8_t *act, const float *factors,
                                  size_t r0, float *y, const int R, const int four_bit, const int has_offsets, size_t ahead,
                                  const int to_l2) {
    const size_t row_bytes = w->panel_row_bytes, code_bytes = four_bit ? 16 : 32;
    const uint8_t *rows[4];
    __m512 acc[4];
    for (int i = 0; i < R; i++) { rows[i] = w->panels + (r0 + (size_t)i) * row_bytes; acc[i] = _mm512_setzero_ps(); }
    // The scales and offsets of the next tile are a few dozen bytes a row: fetch them up front.
    for (int i = 0; i < R; i++) {
        for (size_t at = g->scales_offset & ~(size_t)63; at < row_bytes; at += 64)
            QK_PREFETCH((uintptr_t)rows[i] + ahead + at, to_l2);
    }
    const uint8_t *high = act + g->padded_blocks * 16;
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (size_t b0 = 0; b0 < g->padded_blocks; factors += 32) {
        const int G = qk_panel_group_size(g, b0);
        const size_t first = b0 * code_bytes, bytes = (size_t)G * code_bytes;
        // Rows are short streams the hardware prefetcher picks up late: fetch the same place of the next
        // tile's rows (as decode_avx512.h does; past the last row it is only a hint).
        for (int i = 0; i < R; i++) {
            for (size_t line = 0; line <= bytes; line += 64)
                QK_PREFETCH((uintptr_t)rows[i] + ahead + first + line, to_l2);
        }
        __m512i dot[4];
        for (int i = 0; i < R; i++) dot[i] = _mm512_setzero_si512();
        for (size_t v = 0; v < bytes; v += 64) {
            const int whole = bytes - v >= 64;
            if (four_bit) {
                const __m512i a_low = _mm512_loadu_si512(act + first + v), a_high = _mm512_loadu_si512(high + first + v);
                for (int i = 0; i < R; i++) {
                    const __m512i packed = whole ? _mm512_loadu_si512(rows[i] + first + v)
                                                 : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[i] + first + v)));
                    dot[i] = _mm512_dpbusd_epi32(dot[i], _mm512_and_si512(packed, nibble), a_low);
                    dot[i] = _mm512_dpbusd_epi32(dot[i], _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble), a_high);
                }
            } else {
                const __m512i a = _mm512_loadu_si512(act + first + v);
                for (int i = 0; i < R; i++) dot[i] = _mm512_dpbusd_epi32(dot[i], _mm512_loadu_si512(rows[i] + first + v), a);
            }
        }
        const __m512 da = _mm512_loadu_ps(factors), sa = _mm512_loadu_ps(factors + 16);
        // Lane k holds block b0 + k mod G (the dot lanes repeat a short group); its stored scale is
        // slot (b0 + k mod G) >> span_shift, counted from the group's first slot.
        const size_t first_slot = qk_panel_scale_slot(g, b0), slots = qk_panel_scale_slot(g, b0 + (size_t)G - 1) - first_slot + 1;
        const __mmask16 live = (__mmask16)((1u << slots) - 1);
        const int spread = G != 16 || slots != 16;
        const __m512i source = _mm512_srli_epi32(
            _mm512_add_epi32(_mm512_and_si512(lane, _mm512_set1_epi32(G - 1)), _mm512_set1_epi32((int)(b0 - (first_slot << g->span_shift)))),
            (unsigned)g->span_shift);
        const size_t scales_at = g->scales_offset + 2 * first_slot, offsets_at = g->offsets_offset + 2 * first_slot;
        for (int i = 0; i < R; i++) {
            const __m512 d = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(live, rows[i] + scales_at));
            const __m512 d_spread = spread ? _mm512_permutexvar_ps(source, d) : d;
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i]), _mm512_mul_ps(d_spread, da), acc[i]);
            if (has_offsets) {
                const __m512 offset = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(live, rows[i] + offsets_at));
                acc[i] = _mm512_fmadd_ps(spread ? _mm512_permutexvar_ps(source, offset) : offset, sa, acc[i]);
            } else {
                acc[i] = _mm512_fmadd_ps(d_spread, sa, acc[i]);
            }
        }
        b0 += (size_t)G;
    }
    for (int i = 0; i < R; i++) y[r0 + (size_t)i] = _mm512_reduce_add_ps(acc[i]);
}

QK_INLINE void QK_FN(panel_rows)(const qk_matrix *w, const qk_panel_geometry *g, const uint8_t *act, const float *factors,
                                  size_t row_begin, size_t row_end, float *y, const int four_bit, const int has_offsets) {
    size_t r = row_begin;
    const size_t ahead = qk_panel_prefetch_rows(w->panel_row_bytes) * w->panel_row_bytes;
    const int to_l2 = qk_panel_prefetch_into_l2(g, ahead);
    if (qk_decode_tile_rows(QK_VARIANT_AVX512_VNNI, qk_panel_tile_class(four_bit, w->panel_row_bytes)) == 4)
        for (; r + 4 <= row_end; r += 4) QK_FN(panel_tile)(w, g, act, factors, r, y, 4, four_bit, has_offsets, ahead, to_l2);
    for (; r < row_end; r++) QK_FN(panel_tile)(w, g, act, factors, r, y, 1, four_bit, has_offsets, ahead, to_l2);
}

#define QK_PANELS_READABLE(g) 1
#include "panel_decode.h"
