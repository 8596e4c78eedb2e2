// Rows per decode tile for each variant and tile class (qk_tile_class in quant_kernels.h). Written once
// at start-up from measurement (the Swift side's DecodeTiling), read by every one-row kernel call.
#include "panel_layout.h"
#include "variants.h"

// Each variant's choices on the CPU it was tuned on. AVX2 (Zen 3, 1 thread, from memory): f32 rows
// under 4 KB one at a time (1536 × 576: 21.7–22.6 GB/s against 19.1–20.9), longer ones four at a time
// (576 × 1536: 25.1–27.0 against 22.0–23.1); 8-bit panels and long 4-bit panel rows one at a time
// (8-bit 1536 × 576: 16.4 against 10.4 GB/s), short 4-bit rows four at a time (18.0 against 11.6).
// AVX-512 (Zen 5): four at a time everywhere.
static int tile_rows[QK_VARIANT_COUNT][QK_TILE_CLASS_COUNT] = {
    [QK_VARIANT_PORTABLE] = {4, 4, 4, 4, 4, 4},
    [QK_VARIANT_AVX2] = {1, 4, 1, 1, 4, 1},
    [QK_VARIANT_AVX_VNNI] = {1, 4, 1, 1, 4, 1},
    [QK_VARIANT_AVX512_VNNI] = {4, 4, 4, 4, 4, 4},
};

static int measured[QK_VARIANT_COUNT][QK_TILE_CLASS_COUNT];

static int valid(int variant, int tile_class) {
    return variant >= 0 && variant < QK_VARIANT_COUNT && tile_class >= 0 && tile_class < QK_TILE_CLASS_COUNT;
}

int qk_decode_tile_rows(int variant, int tile_class) {
    return valid(variant, tile_class) ? __atomic_load_n(&tile_rows[variant][tile_class], __ATOMIC_RELAXED) : 4;
}

void qk_set_decode_tile_rows(int variant, int tile_class, int rows) {
    if (valid(variant, tile_class) && (rows == 1 || rows == 4)) __atomic_store_n(&tile_rows[variant][tile_class], rows, __ATOMIC_RELAXED);
}

void qk_settle_decode_tile(int variant, int tile_class) {
    if (valid(variant, tile_class)) __atomic_store_n(&measured[variant][tile_class], 1, __ATOMIC_RELEASE);
}

int qk_decode_tile_settled(int variant, int tile_class) {
    return valid(variant, tile_class) ? __atomic_load_n(&measured[variant][tile_class], __ATOMIC_ACQUIRE) : 1;
}

int qk_f32_tile_class(size_t columns) { return columns * sizeof(float) < 4096 ? QK_TILE_F32_SHORT : QK_TILE_F32_LONG; }

int qk_panel_tile_class_of(const qk_matrix *w) {
    qk_panel_geometry g;
    return qk_panel_geometry_of(w, &g) ? qk_panel_tile_class(g.four_bit, g.row_bytes) : -1;
}
