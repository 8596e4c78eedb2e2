// The decode panel layout (see qk_panel_pack in quant_kernels.h), shared by the portable packer and the
// AVX-512 decode kernel that reads it. A weight row becomes:
//   codes   blocks (padded to even) regrouped so that one 512-bit dpbusd adds four bytes of each of 16
//           blocks: a group of G blocks (16 while whole groups remain, then the tail's powers of two,
//           8, 4, 2) keeps its own code bytes, and dword q of block k of the group is stored at dword
//           q·G + k. 8-bit codes are stored as the unsigned bytes dpbusd takes (int8 + 128), 4-bit codes
//           as ggml packs them (byte j: value j low, value j + 16 high).
//   scales  one IEEE half per scale span: per block for ggml blocks, per group for grouped schemes
//           whose groups are 2, 4, 8 or 16 blocks (int4-g64 keeps 4.5 bits a weight instead of 5; the
//           kernel spreads the halves over the blocks' lanes with one permute), else per block.
//   offsets one half per scale span when the scheme has them (Q4_1's m, an asymmetric group's bias).
// Rows follow each other unpadded (a multiple of 4 bytes): padding them to 64 bytes for aligned loads
// made decode read 18% more than the stored bytes on SmolLM2's Q4_0 rows (384 for 324) and measured
// 1.05–1.13× slower decode (paired, Zen 5) than unaligned loads over unpadded rows.
#ifndef QUANT_KERNELS_PANEL_LAYOUT_H
#define QUANT_KERNELS_PANEL_LAYOUT_H

#include <stddef.h>
#include "quant_kernels.h"

typedef struct {
    int four_bit;            // codes are 4-bit (16 bytes a block), else 8-bit (32 bytes)
    int has_offsets;         // an offset half per block follows the scales
    float shift;             // otherwise w = d·(u + shift) for the unsigned code u dpbusd sees
    size_t blocks;           // real blocks of a row
    size_t padded_blocks;    // rounded up to even
    size_t code_bytes;       // bytes of one block's codes
    size_t span_shift;       // log2 of the blocks sharing one stored scale (and offset)
    size_t scales_offset;    // from the row start
    size_t offsets_offset;
    size_t row_bytes;        // multiple of 4
} qk_panel_geometry;

// The stored scale (and offset) of block b.
static inline size_t qk_panel_scale_slot(const qk_panel_geometry *g, size_t b) { return b >> g->span_shift; }

// 1 and the geometry when `w` can be stored as panels: ggml blocks, or grouped codes with f16 scales
// (halves copy exactly) and no int8-with-bias mix (its offset would not be a half).
static inline int qk_panel_geometry_of(const qk_matrix *w, qk_panel_geometry *g) {
    const int grouped = w->layout == QK_LAYOUT_GROUPED;
    if (grouped && (!w->scales_are_f16 || (w->codes == QK_CODES_I8 && w->has_biases))) return 0;
    if (grouped && w->blocks_per_group == 0) return 0;
    g->four_bit = grouped ? w->codes == QK_CODES_U4 : w->layout != QK_LAYOUT_Q8_0;
    g->has_offsets = grouped ? w->has_biases != 0 : w->layout == QK_LAYOUT_Q4_1;
    g->shift = g->has_offsets ? 0.0f
             : (grouped ? (w->codes == QK_CODES_I8 ? -128.0f : w->codes == QK_CODES_U4 ? -8.0f : 0.0f)
                        : (w->layout == QK_LAYOUT_Q8_0 ? -128.0f : -8.0f));
    g->blocks = w->blocks_per_row;
    g->padded_blocks = (g->blocks + 1) & ~(size_t)1;
    g->code_bytes = g->four_bit ? QK_BLOCK / 2 : QK_BLOCK;
    const size_t span = grouped ? w->blocks_per_group : 1;
    g->span_shift = span <= 16 && (span & (span - 1)) == 0 ? (size_t)__builtin_ctzl(span) : 0;
    const size_t slots = qk_panel_scale_slot(g, g->padded_blocks - 1) + 1;
    g->scales_offset = g->padded_blocks * g->code_bytes;
    g->offsets_offset = g->scales_offset + slots * 2;
    const size_t end = g->offsets_offset + (g->has_offsets ? slots * 2 : 0);
    g->row_bytes = (end + 3) & ~(size_t)3;
    return 1;
}

// Size of the group that starts at block b0: 16 while 16 padded blocks remain, else the largest power
// of two not above what remains (8, 4 or 2).
static inline int qk_panel_group_size(const qk_panel_geometry *g, size_t b0) {
    const size_t left = g->padded_blocks - b0;
    if (left >= 16) return 16;
    return 1 << (31 - __builtin_clz((unsigned)left));
}

#endif
