// AVX2 decode (one activation row) over decode panels (panel_layout.h). A 256-bit vector of a panel
// holds four bytes of each of 8 blocks, so each product adds into that block's own lanes and the float
// work (convert, scale product, FMAs) is paid once per 8 blocks, against once per block (plus a scalar
// offset FMA) in kernel_template.h's tiles.
//   4-bit: maddubs of the low and of the high nibbles against the regrouped activations; codes 0–15
//   against int8 activations give pairs of at most 3,810, so a whole group (at most 16 products a
//   lane) stays in int16 and is widened with one madd: about 4.5 instructions a block instead of 11.
//   8-bit: the panels hold dpbusd's unsigned bytes q + 128; one xor gives back the signed code and
//   ggml's sign trick makes it maddubs' unsigned operand. A pair reaches 32,512, so each product is
//   widened at once: about 7 instructions a block instead of 11.
// 8-bit codes with offsets keep the tiles: they are unsigned, which the sign trick cannot take.
// With AVX-VNNI (kernels_avx_vnni.c) both take dpbusd into int32 lanes, and 4-bit codes need no
// widening. 8-bit codes keep the sign trick there too, so the two variants give the same floats on the
// ggml block types and a model scores the same on either. Dotted as stored (q + 128, as the AVX-512
// panels do), the shift would come off in float through the activation sums: a few ulps apart, which a
// first token's activation rounding amplified (SmolLM2 Q8_0, KJV, 512-token windows: perplexity 6.6137
// signed, 6.6477 unsigned), for no gain in decode, which waits on memory.
// Included by avx2_variant.h before kernel_template.h.

#include "panel_layout.h"

// The 8 float lanes of a group's weight halves (scales or offsets, from the group's first stored slot)
// that meet dot half `part`: identity when each block has its own slot and lanes do not repeat, else
// lane l takes slot spread[l]. Groups start at a multiple of their size, so a group's slots are 1, 2,
// 4 or 8 (or 16, the identity case) and each count is one load of exactly its bytes: copying them
// through a stack buffer instead stalled every tail group on store forwarding, and SmolLM2's rows of
// 18 blocks (a group of 16 and a tail of 2) decoded at 11 GB/s in cache against 25 for 16 blocks.
QK_INLINE __m256 QK_FN(panel_halves)(const uint8_t *halves, size_t slots, const __m256i spread, const int part, const int identity) {
    if (identity) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(halves + 16 * (size_t)part)));
    __m128i bits;
    if (slots >= 8) bits = _mm_loadu_si128((const __m128i *)halves);
    else if (slots >= 4) bits = _mm_loadl_epi64((const __m128i *)halves);
    else if (slots >= 2) { uint32_t pair; memcpy(&pair, halves, 4); bits = _mm_cvtsi32_si128((int)pair); }
    else { uint16_t one; memcpy(&one, halves, 2); bits = _mm_cvtsi32_si128(one); }
    return _mm256_permutevar8x32_ps(_mm256_cvtph_ps(bits), spread);
}

// Adds to dot[i] the dots of the 32 panel bytes at `at` of each of the R rows.
QK_INLINE void QK_FN(panel_step)(__m256i dot[4], const uint8_t *const rows[4], const uint8_t *act, const uint8_t *high,
                                  size_t at, const int R, const int four_bit) {
    const __m256i a_low = _mm256_load_si256((const __m256i *)(act + at));
    if (four_bit) {
        const __m256i nibble = _mm256_set1_epi8(0x0F), a_high = _mm256_load_si256((const __m256i *)(high + at));
        for (int i = 0; i < R; i++) {
            const __m256i packed = _mm256_loadu_si256((const __m256i *)(rows[i] + at));
            const __m256i low = qk_nibble_dot_add(_mm256_setzero_si256(), _mm256_and_si256(packed, nibble), a_low);
            const __m256i both = qk_nibble_dot_add(low, _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble), a_high);
            dot[i] = qk_nibble_dots_add(dot[i], both);
        }
        return;
    }
    for (int i = 0; i < R; i++) {
        const __m256i codes = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(rows[i] + at)), _mm256_set1_epi8((char)0x80));
        const __m256i step = qk_dot_add(_mm256_setzero_si256(), _mm256_sign_epi8(codes, codes), _mm256_sign_epi8(a_low, codes));
        dot[i] = _mm256_add_epi32(dot[i], step);
    }
}

// y[r0 + i] for R ≤ 4 panel rows from r0.
QK_INLINE void QK_FN(panel_tile)(const qk_matrix *w, const qk_panel_geometry *g, const uint8_t *act, const float *factors,
                                  size_t r0, float *y, const int R, const int four_bit, const int has_offsets, size_t ahead,
                                  const int to_l2) {
    const size_t row_bytes = w->panel_row_bytes;
    const uint8_t *rows[4];
    __m256 acc[4];
    for (int i = 0; i < R; i++) { rows[i] = w->panels + (r0 + (size_t)i) * row_bytes; acc[i] = _mm256_setzero_ps(); }
    for (int i = 0; i < R; i++) {
        for (size_t at = g->scales_offset & ~(size_t)63; at < row_bytes; at += 64)
            QK_PREFETCH((uintptr_t)rows[i] + ahead + at, to_l2);
    }
    const uint8_t *high = act + g->padded_blocks * 16;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t b0 = 0; b0 < g->padded_blocks; factors += 32) {
        const int G = qk_panel_group_size(g, b0);
        const size_t first = b0 * g->code_bytes, bytes = (size_t)G * g->code_bytes;
        if (R > 1) {
            for (int i = 0; i < R; i++) {
                for (size_t line = 0; line < bytes; line += 64)
                    QK_PREFETCH((uintptr_t)rows[i] + ahead + first + line, to_l2);
            }
        }
        // Dots of blocks 0–7 and, in a group of 16 (odd vectors hold the second eight), 8–15: in int16
        // pairs for 4-bit codes without VNNI, else int32 lanes. Two named arrays rather than one indexed
        // by the vector's parity, which clang kept on the stack (a store-forwarding chain each step).
        __m256i even[4], odd[4];
        for (int i = 0; i < R; i++) even[i] = odd[i] = _mm256_setzero_si256();
        if (G == 16) {
            for (size_t v = 0; v < bytes; v += 64) {
                if (R == 1) QK_PREFETCH((uintptr_t)rows[0] + ahead + first + v, to_l2);
                QK_FN(panel_step)(even, rows, act, high, first + v, R, four_bit);
                QK_FN(panel_step)(odd, rows, act, high, first + v + 32, R, four_bit);
            }
        } else {
            for (size_t v = 0; v < bytes; v += 32) {
                if (R == 1 && (v & 63) == 0) QK_PREFETCH((uintptr_t)rows[0] + ahead + first + v, to_l2);
                QK_FN(panel_step)(even, rows, act, high, first + v, R, four_bit);
            }
        }
        const size_t first_slot = qk_panel_scale_slot(g, b0), slots = qk_panel_scale_slot(g, b0 + (size_t)G - 1) - first_slot + 1;
        const int identity = slots == (size_t)G && G >= 8;
        const __m256i block_of_lane = _mm256_add_epi32(_mm256_and_si256(lane, _mm256_set1_epi32(G - 1)),
                                                        _mm256_set1_epi32((int)(b0 - (first_slot << g->span_shift))));
        const size_t scales_at = g->scales_offset + 2 * first_slot, offsets_at = g->offsets_offset + 2 * first_slot;
        for (int part = 0; part < (G == 16 ? 2 : 1); part++) {
            const __m256 da = _mm256_loadu_ps(factors + 8 * part), sa = _mm256_loadu_ps(factors + 16 + 8 * part);
            const __m256i spread = _mm256_srli_epi32(_mm256_add_epi32(block_of_lane, _mm256_set1_epi32(8 * part)), (int)g->span_shift);
            for (int i = 0; i < R; i++) {
                const __m256 d = QK_FN(panel_halves)(rows[i] + scales_at, slots, spread, part, identity);
                const __m256i dot = part ? odd[i] : even[i];
                const __m256i sums = four_bit ? qk_nibble_dots_widen(dot) : dot;
                acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(d, da), acc[i]);
                // 8-bit codes were dotted signed, so their −128 shift is already paid.
                if (four_bit || has_offsets) {
                    const __m256 c = has_offsets ? QK_FN(panel_halves)(rows[i] + offsets_at, slots, spread, part, identity) : d;
                    acc[i] = _mm256_fmadd_ps(c, sa, acc[i]);
                }
            }
        }
        b0 += (size_t)G;
    }
    for (int i = 0; i < R; i++) y[r0 + (size_t)i] = qk_sum256(acc[i]);
}

QK_INLINE void QK_FN(panel_rows)(const qk_matrix *w, const qk_panel_geometry *g, const uint8_t *act, const float *factors,
                                  size_t row_begin, size_t row_end, float *y, const int four_bit, const int has_offsets) {
    size_t r = row_begin;
    const size_t ahead = qk_panel_prefetch_rows(w->panel_row_bytes) * w->panel_row_bytes;
    const int to_l2 = qk_panel_prefetch_into_l2(g, ahead);
    // The tile comes from measurement (qk_decode_tile_rows; the defaults: short 4-bit rows four at a
    // time, each group of the next tile's rows fetched in one burst; 8-bit and long rows one at a time,
    // a single stream fetched a line per line read).
    if (qk_decode_tile_rows(QK_VARIANT_AVX2, qk_panel_tile_class(four_bit, w->panel_row_bytes)) == 4)
        for (; r + 4 <= row_end; r += 4) QK_FN(panel_tile)(w, g, act, factors, r, y, 4, four_bit, has_offsets, ahead, to_l2);
    for (; r < row_end; r++) QK_FN(panel_tile)(w, g, act, factors, r, y, 1, four_bit, has_offsets, ahead, to_l2);
}

#define QK_PANELS_READABLE(g) qk_panel_avx2_readable(g)
#include "panel_decode.h"
