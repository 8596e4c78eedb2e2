// Packs weight rows into the decode panel layout (panel_layout.h). Byte moves only, so one portable
// packer serves every variant; the AVX-512 decode kernel reads the result.
#include <string.h>
#include "panel_layout.h"

size_t qk_panel_row_bytes(const qk_matrix *w) {
    qk_panel_geometry g;
    return qk_panel_geometry_of(w, &g) ? g.row_bytes : 0;
}

// The code bytes of block b of row r as dpbusd's unsigned bytes (or ggml's nibbles), its scale and offset bits.
static void qk_panel_read_block(const qk_matrix *w, const qk_panel_geometry *g, size_t r, size_t b, uint8_t codes[QK_BLOCK],
                                uint16_t *scale, uint16_t *offset) {
    const uint8_t *source;
    int flip = 0;
    *offset = 0;
    if (w->layout == QK_LAYOUT_GROUPED) {
        source = w->data + r * w->row_bytes + b * g->code_bytes;
        flip = w->codes == QK_CODES_I8;
        const size_t slot = r * w->groups_per_row + b / w->blocks_per_group;
        memcpy(scale, (const uint8_t *)w->scales + 2 * slot, 2);
        if (g->has_offsets) memcpy(offset, (const uint8_t *)w->biases + 2 * slot, 2);
    } else {
        const size_t block_bytes = w->layout == QK_LAYOUT_Q8_0 ? 34 : w->layout == QK_LAYOUT_Q4_0 ? 18 : 20;
        const uint8_t *block = w->data + r * w->row_bytes + b * block_bytes;
        memcpy(scale, block, 2);
        if (w->layout == QK_LAYOUT_Q4_1) memcpy(offset, block + 2, 2);
        source = block + (w->layout == QK_LAYOUT_Q4_1 ? 4 : 2);
        flip = w->layout == QK_LAYOUT_Q8_0;
    }
    for (size_t j = 0; j < g->code_bytes; j++) codes[j] = flip ? (uint8_t)(source[j] ^ 0x80) : source[j];
}

int qk_panels_read(int variant, const qk_matrix *w) {
    qk_panel_geometry g;
    if (!qk_variant_available(variant) || !qk_panel_geometry_of(w, &g)) return 0;
    // SmolLM2-135M on Zen 3, 1 thread, alternating runs of 128 tokens: Q8_0 decoded 1.25x faster from
    // AVX2 panels than from its ggml blocks, Q4_1 1.25x.
    return variant == QK_VARIANT_AVX512_VNNI ||
           ((variant == QK_VARIANT_AVX2 || variant == QK_VARIANT_AVX_VNNI) && qk_panel_avx2_readable(&g));
}

void qk_panel_pack(const qk_matrix *w, size_t row_begin, size_t row_end, uint8_t *out) {
    qk_panel_geometry g;
    if (!qk_panel_geometry_of(w, &g)) return;
    for (size_t r = row_begin; r < row_end; r++) {
        uint8_t *row = out + (r - row_begin) * g.row_bytes;
        memset(row, 0, g.row_bytes);
        uint8_t *scales = row + g.scales_offset, *offsets = row + g.offsets_offset;
        for (size_t b0 = 0; b0 < g.padded_blocks;) {
            const int G = qk_panel_group_size(&g, b0);
            uint8_t *group = row + b0 * g.code_bytes;
            for (int k = 0; k < G && b0 + (size_t)k < g.blocks; k++) {
                const size_t b = b0 + (size_t)k;
                uint8_t codes[QK_BLOCK];
                uint16_t scale, offset;
                qk_panel_read_block(w, &g, r, b, codes, &scale, &offset);
                for (size_t q = 0; q < g.code_bytes / 4; q++) memcpy(group + (q * (size_t)G + (size_t)k) * 4, codes + 4 * q, 4);
                memcpy(scales + 2 * qk_panel_scale_slot(&g, b), &scale, 2);
                if (g.has_offsets) memcpy(offsets + 2 * qk_panel_scale_slot(&g, b), &offset, 2);
            }
            b0 += (size_t)G;
        }
    }
}

size_t qk_panel_activation_bytes(const qk_matrix *w) {
    qk_panel_geometry g;
    return qk_panel_geometry_of_stored(w, &g) ? qk_panel_activation_row_bytes(&g) : 0;
}

void qk_panel_prepare_activations(const qk_matrix *w, qk_activations *x, uint8_t *buffer) {
    qk_panel_geometry g;
    if (x->rows != 1 || !qk_panel_geometry_of_stored(w, &g) || x->blocks_per_row != g.blocks) return;
    float *factors = (float *)(buffer + qk_panel_activation_codes_bytes(&g));
    qk_panel_pack_activations(x, 0, &g, buffer, factors);
    x->panel_codes = buffer;
    x->panel_factors = factors;
    x->panel_four_bit = g.four_bit;
    x->panel_sum_factor = qk_panel_sum_factor(&g);
}
