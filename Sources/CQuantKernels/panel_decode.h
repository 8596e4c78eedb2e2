// One activation row against decode panels (panel_layout.h): the parts every panel reader shares. The
// including variant defines QK_FN, QK_INLINE, QK_FN(panel_rows)(…, four_bit, has_offsets) and
// QK_PANELS_READABLE(g), true for the panel geometries it reads (AVX2: qk_panel_avx2_readable).

#include <stdlib.h>
#include "panel_layout.h"

// One activation row against the panels: 1 when done, 0 when `w` has no panels this variant reads.
static int QK_FN(panel_decode)(const qk_matrix *w, const qk_activations *x, size_t row_begin, size_t row_end, float *y,
                               size_t y_stride) {
    qk_panel_geometry g;
    if (!qk_panel_geometry_of_stored(w, &g) || x->blocks_per_row != g.blocks) return 0;
    if (!QK_PANELS_READABLE(&g)) return 0;
    const int prepared = x->rows == 1 && x->panel_codes && x->panel_factors && x->panel_four_bit == g.four_bit &&
                         x->panel_sum_factor == qk_panel_sum_factor(&g);
    const size_t code_bytes = qk_panel_activation_codes_bytes(&g), needed = prepared ? 0 : qk_panel_activation_row_bytes(&g);
    _Alignas(64) uint8_t local[16384];
    uint8_t *scratch = needed <= sizeof(local) ? local : aligned_alloc(64, (needed + 63) & ~(size_t)63);
    if (!scratch) return 0;
    for (size_t t = 0; t < x->rows; t++) {
        const uint8_t *codes = scratch;
        const float *factors = (const float *)(scratch + code_bytes);
        if (prepared) {
            codes = x->panel_codes;
            factors = x->panel_factors;
        } else {
            qk_panel_pack_activations(x, t, &g, scratch, (float *)(scratch + code_bytes));
        }
        float *yt = y + t * y_stride;
        if (g.four_bit) {
            if (g.has_offsets) QK_FN(panel_rows)(w, &g, codes, factors, row_begin, row_end, yt, 1, 1);
            else QK_FN(panel_rows)(w, &g, codes, factors, row_begin, row_end, yt, 1, 0);
        } else {
            if (g.has_offsets) QK_FN(panel_rows)(w, &g, codes, factors, row_begin, row_end, yt, 0, 1);
            else QK_FN(panel_rows)(w, &g, codes, factors, row_begin, row_end, yt, 0, 0);
        }
    }
    if (scratch != local) free(scratch);
    return 1;
}
#define QK_HAVE_PANEL_DECODE 1
