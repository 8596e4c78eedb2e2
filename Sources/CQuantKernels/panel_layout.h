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
#include <string.h>
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

// 1 and the geometry when `w` can be stored as panels: ggml blocks of 32 values, or grouped codes with f16 scales
// (halves copy exactly) and no int8-with-bias mix (its offset would not be a half).
static inline int qk_panel_geometry_of(const qk_matrix *w, qk_panel_geometry *g) {
    if (w->layout > QK_LAYOUT_GROUPED) return 0;  // k-quants: no panel form
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

// 1 and the geometry when `w` carries panels (qk_matrix.panels) packed for that geometry.
static inline int qk_panel_geometry_of_stored(const qk_matrix *w, qk_panel_geometry *g) {
    return w->panels && qk_panel_geometry_of(w, g) && g->row_bytes == w->panel_row_bytes;
}

// 1 when the AVX2 reader takes these panels: every 4-bit form, and 8-bit codes without offsets that are
// signed (stored as q + 128). maddubs' sign trick cannot take an unsigned 8-bit code with an offset.
static inline int qk_panel_avx2_readable(const qk_panel_geometry *g) {
    return g->four_bit || (!g->has_offsets && g->shift == -128.0f);
}

// The decode tile class (qk_tile_class) of panel rows: short rows are at most 512 bytes.
static inline int qk_panel_tile_class(int four_bit, size_t row_bytes) {
    const int short_row = row_bytes <= 512;
    return four_bit ? (short_row ? QK_TILE_4BIT_SHORT : QK_TILE_4BIT_LONG) : (short_row ? QK_TILE_8BIT_SHORT : QK_TILE_8BIT_LONG);
}

// Size of the group that starts at block b0: 16 while 16 padded blocks remain, else the largest power
// of two not above what remains (8, 4 or 2).
static inline int qk_panel_group_size(const qk_panel_geometry *g, size_t b0) {
    const size_t left = g->padded_blocks - b0;
    if (left >= 16) return 16;
    return 1 << (31 - __builtin_clz((unsigned)left));
}

// Rows ahead to prefetch: whole tiles of 4 covering at least 4 KB. SmolLM2's rows are 324–864 bytes,
// so "the next tile" (as decode_avx512.h fetches) is too close to hide memory latency: on 1536 × 576
// q4_0, 1 thread, Zen 5, the next tile gave 15.8 GB/s, 4 KB ahead 22.9, 8 KB 21.8, 16 KB 21.0.
static inline size_t qk_panel_prefetch_rows(size_t row_bytes) {
    const size_t rows = (4096 + row_bytes - 1) / row_bytes;
    return (rows + 3) & ~(size_t)3;
}

// Bytes of L1 data cache (sysconf; 32 KiB when the system does not say), read once.
size_t qk_l1_data_bytes(void);

// 1 when the rows fetched ahead should go to L2 rather than L1: when they and the packed activation row
// (int8 codes, and 128 bytes of factors a group) would fill more than three quarters of L1, the early
// lines evict the activations the current row still reads. Zen 4 (32 KiB L1), int4-g64, one thread: a
// 4096×11008 matrix (14 KB of activations, 25 KB fetched ahead) decoded at 11.0 GB/s with the
// prefetch into L1 and 15–17 GB/s into L2, 4096×8192 at 11.2 against 20.5, q8_0 on 11008 columns 9.6
// against 20–21; with 4096 columns (5 KB + 9–17 KB) L1 stayed ahead (int4 24.0 against 19.3, q8_0 21.5 against 19.6).
static inline int qk_panel_prefetch_into_l2(const qk_panel_geometry *g, size_t ahead_bytes) {
    const size_t activations = g->padded_blocks * QK_BLOCK + (g->padded_blocks / 16 + 4) * 128;
    return 4 * (activations + ahead_bytes) > 3 * qk_l1_data_bytes();
}

// The factor the scaled sums are multiplied by in the packed activations' offset lanes.
static inline float qk_panel_sum_factor(const qk_panel_geometry *g) { return g->has_offsets ? 1.0f : g->shift; }

// Bytes of one regrouped activation row: codes (with a vector of slack, as a half-vector group's load
// reads past its end), then 32 factors a group.
static inline size_t qk_panel_activation_codes_bytes(const qk_panel_geometry *g) { return g->padded_blocks * QK_BLOCK + 64; }
static inline size_t qk_panel_activation_row_bytes(const qk_panel_geometry *g) {
    const size_t groups = g->padded_blocks / 16 + (size_t)__builtin_popcountl(g->padded_blocks % 16);
    return qk_panel_activation_codes_bytes(g) + groups * 32 * sizeof(float);
}

// Regroups activation row t into `packed` as panel_layout.h regroups weights (4-bit: the bytes meeting
// low nibbles, then those meeting high nibbles), and per group 16 lanes of activation scales repeated
// as the dot lanes need them, then 16 lanes of offset factors (scaled sums, times the scheme's shift
// when it has no offsets) in the group's own lanes.
static inline void qk_panel_pack_activations(const qk_activations *x, size_t t, const qk_panel_geometry *g, uint8_t *packed,
                                             float *factors) {
    const size_t blocks = g->blocks;
    const int8_t *codes = x->codes + t * x->blocks_per_row * QK_BLOCK;
    const float *scales = x->scales + t * x->blocks_per_row, *sums = x->scaled_sums + t * x->blocks_per_row;
    const float sum_factor = qk_panel_sum_factor(g);
    uint8_t *high = packed + g->padded_blocks * 16;
    for (size_t b0 = 0; b0 < g->padded_blocks;) {
        const int G = qk_panel_group_size(g, b0);
        for (int k = 0; k < G; k++) {
            const size_t b = b0 + (size_t)k;
            uint8_t block[QK_BLOCK];
            if (b < blocks) memcpy(block, codes + b * QK_BLOCK, QK_BLOCK);
            else memset(block, 0, QK_BLOCK);
            if (g->four_bit) {
                for (size_t q = 0; q < 4; q++) {
                    memcpy(packed + b0 * 16 + (q * (size_t)G + (size_t)k) * 4, block + 4 * q, 4);
                    memcpy(high + b0 * 16 + (q * (size_t)G + (size_t)k) * 4, block + 16 + 4 * q, 4);
                }
            } else {
                for (size_t q = 0; q < 8; q++) memcpy(packed + b0 * 32 + (q * (size_t)G + (size_t)k) * 4, block + 4 * q, 4);
            }
        }
        for (int lane = 0; lane < 16; lane++) {
            const size_t repeated = b0 + (size_t)(lane % G), own = b0 + (size_t)lane;
            factors[lane] = repeated < blocks ? scales[repeated] : 0.0f;
            factors[16 + lane] = lane < G && own < blocks ? sum_factor * sums[own] : 0.0f;
        }
        factors += 32;
        b0 += (size_t)G;
    }
}

#endif
