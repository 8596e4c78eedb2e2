// Integer-dot kernels for quantized matrices: y = x · Wᵀ with W[rows, columns] stored as 8- or 4-bit
// codes and x quantized once per call to signed 8-bit blocks of 32 (ggml's approach).
//
// Every variant (portable C, AVX2, AVX-512 VNNI) computes the same integer block dot products; only
// the order of the float accumulation differs. Callers pick a variant with qk_best_variant() once
// and may force a lesser one (tests run all that the CPU supports).
#ifndef QUANT_KERNELS_H
#define QUANT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Values per activation block and per weight block of codes.
#define QK_BLOCK 32

/// How a weight matrix stores its rows.
typedef enum {
    /// ggml block_q8_0: f16 d, int8 qs[32]; w = d·q.
    QK_LAYOUT_Q8_0 = 0,
    /// ggml block_q4_0: f16 d, u8 qs[16] (low nibble → value j, high → j + 16); w = d·(q − 8).
    QK_LAYOUT_Q4_0 = 1,
    /// ggml block_q4_1: f16 d, f16 m, u8 qs[16]; w = d·q + m.
    QK_LAYOUT_Q4_1 = 2,
    /// Codes in one array (rows padded to whole blocks of 32), scales and optional biases per group.
    QK_LAYOUT_GROUPED = 3,
    /// ggml's k-quants, super-blocks of 256 values (formats/gguf.md): block_q4_K (f16 d, f16 dmin, 6-bit
    /// scales and minima per 32 values, 4-bit codes; w = d·sc·q − dmin·m), block_q5_K (the same with a
    /// fifth code bit) and block_q6_K (6-bit codes, int8 scales per 16 values, f16 d; w = d·sc·(q − 32)).
    /// Columns must be a multiple of 256; there is no panel form (the kernels unpack each super-block).
    QK_LAYOUT_Q4_K = 4,
    QK_LAYOUT_Q5_K = 5,
    QK_LAYOUT_Q6_K = 6,
    /// ggml block_q5_0 (f16 d, u8 qh[4], u8 qs[16]; w = d·(q − 16)) and block_q5_1 (f16 d, f16 m, qh[4],
    /// qs[16]; w = d·q + m): 5-bit codes, the fifth bits of a block's 32 values in qh. Unpacked as the k-quants.
    QK_LAYOUT_Q5_0 = 7,
    QK_LAYOUT_Q5_1 = 8,
    /// ggml block_q2_K (u8 scales[16]: 4-bit scale and minimum per 16 values; u8 qs[64]: 2-bit codes; f16 d,
    /// f16 dmin; w = d·sc·q − dmin·m) and block_q3_K (u8 hmask[32]: third code bits; u8 qs[64]; 6-bit scales
    /// per 16 values in 12 bytes; f16 d; w = d·(sc − 32)·q, q in −4..3): super-blocks of 256, unpacked.
    QK_LAYOUT_Q2_K = 9,
    QK_LAYOUT_Q3_K = 10,
    /// ggml block_iq4_nl (f16 d, u8 qs[16] in Q4_0's nibble order; w = d·grid[q], a fixed non-linear grid
    /// of 16 int8 values): blocks of 32, unpacked.
    QK_LAYOUT_IQ4_NL = 11,
} qk_layout;

/// What the codes of a grouped matrix are.
typedef enum {
    /// int8, w = s·q (+ b).
    QK_CODES_I8 = 0,
    /// uint8, w = s·q + b.
    QK_CODES_U8 = 1,
    /// 4-bit in ggml's nibble order per 32 values; without bias w = s·(q − 8), with bias w = s·q + b.
    QK_CODES_U4 = 2,
} qk_codes;

typedef struct {
    int32_t layout;             // qk_layout
    int32_t codes;              // qk_codes, grouped only
    int32_t scales_are_f16;     // grouped only: scales and biases are IEEE half (else float)
    int32_t has_biases;         // grouped only
    size_t rows;
    size_t blocks_per_row;      // ceil(columns / 32)
    size_t row_bytes;           // bytes from one row of blocks / codes to the next
    size_t blocks_per_group;    // grouped only
    size_t groups_per_row;      // grouped only
    const uint8_t *data;        // ggml blocks, or grouped codes
    const void *scales;         // grouped only: [rows, groups_per_row]
    const void *biases;         // grouped only, when has_biases
    const uint8_t *panels;      // optional: the rows in the decode panel layout (qk_panel_pack), or NULL
    size_t panel_row_bytes;     // bytes from one panel row to the next (qk_panel_row_bytes)
} qk_matrix;

/// Activation rows quantized to int8 blocks: x ≈ scale[b]·code[32b + j].
typedef struct {
    size_t rows;
    size_t blocks_per_row;
    const int8_t *codes;        // [rows, blocks_per_row·32], zero past the real columns
    const float *scales;        // [rows, blocks_per_row]
    const float *scaled_sums;   // [rows, blocks_per_row]: scale[b]·Σ code (for offsets and biases)
    // Optional (one row): the row already regrouped for decode panels by qk_panel_prepare_activations,
    // so the parts of a product split over threads do not each regroup it; NULL otherwise.
    const uint8_t *panel_codes;
    const float *panel_factors;
    int32_t panel_four_bit;     // the form it was regrouped for: 4-bit codes (else 8-bit) …
    float panel_sum_factor;     // … and the factor of the scaled sums (1, or the scheme's shift)
    // 8 when every 256 values of a row (8 blocks from the row's start) share one scale, as ggml's Q8_K
    // activations of the k-quants do (qk_quantize_activation_row_shared); 0 or 1 when each block has
    // its own. Only a speed hint: the format is the same either way, and kernels that know it apply the
    // k-quants' integer sub-block scales in integer arithmetic, one float product per 256 values.
    int32_t blocks_per_scale;
} qk_activations;

typedef enum {
    QK_VARIANT_PORTABLE = 0,
    QK_VARIANT_AVX2 = 1,
    QK_VARIANT_AVX_VNNI = 2,
    QK_VARIANT_AVX512_VNNI = 3,
    QK_VARIANT_COUNT = 4,
} qk_variant;

/// 1 when this CPU can run `variant`, else 0.
int qk_variant_available(int variant);
/// The fastest variant this CPU can run.
int qk_best_variant(void);
const char *qk_variant_name(int variant);

/// Quantizes `columns` floats to blocks of 32: scale = amax/127, code = roundf(x/scale) (half away from
/// zero, as ggml's quantize_row_q8_0_ref). Blocks past `columns` are padded with zero codes.
void qk_quantize_activation_row(const float *x, size_t columns, size_t blocks,
                                int8_t *codes, float *scales, float *scaled_sums);
/// The same with one scale per `blocks_per_scale` blocks from the row's start (1, or 8: 256 values as
/// ggml's Q8_K, for rows the k-quants read): scale = amax of the group / 127, written for each block.
void qk_quantize_activation_row_shared(const float *x, size_t columns, size_t blocks, size_t blocks_per_scale,
                                       int8_t *codes, float *scales, float *scaled_sums);

/// y[t·y_stride + r] = Σ_c W[r, c]·x[t, c] for weight rows r in [row_begin, row_end) and every
/// activation row t. `variant` must be available.
void qk_matmul(int variant, const qk_matrix *w, const qk_activations *x,
               size_t row_begin, size_t row_end, float *y, size_t y_stride);

/// Half-precision weights (IEEE f16 when `is_bf16` is 0, else bfloat16), float activations:
/// y[t·y_stride + r] = Σ_c W[r, c]·x[t·columns + c] for r in [row_begin, row_end), t < x_rows.
void qk_half_matmul(int variant, const uint16_t *w, int is_bf16, size_t columns,
                    const float *x, size_t x_rows, size_t row_begin, size_t row_end,
                    float *y, size_t y_stride);

/// Decode panels: a copy of the weight rows regrouped so that the one-row kernels add 8 or 16 blocks
/// per instruction into integer lanes and pay the float work once per group (panel_layout.h).
/// Bytes of one packed row, a multiple of 4, or 0 when the matrix cannot be packed (grouped with f32
/// scales, or int8 codes with biases).
size_t qk_panel_row_bytes(const qk_matrix *w);
/// 1 when `variant` runs on this CPU and reads panels of `w` for one activation row: AVX-512 VNNI for
/// every matrix that has a panel form, AVX2 and AVX-VNNI for all but 8-bit codes with offsets (maddubs' sign trick
/// needs signed codes).
int qk_panels_read(int variant, const qk_matrix *w);
/// Writes weight rows [row_begin, row_end) packed to `out` (row r at (r − row_begin)·qk_panel_row_bytes).
/// With `panels` set, qk_matmul uses them for one activation row on a variant that reads them
/// (qk_panels_read); the other variants and prefill read `data` as before.
void qk_panel_pack(const qk_matrix *w, size_t row_begin, size_t row_end, uint8_t *out);
/// Bytes of the buffer qk_panel_prepare_activations needs for one activation row against `w`'s panels,
/// or 0 when `w` has none.
size_t qk_panel_activation_bytes(const qk_matrix *w);
/// Regroups activation row 0 of `x` for `w`'s panels into `buffer` (64-byte aligned, of
/// qk_panel_activation_bytes) and points `x` at it. Matrices whose panels take another form ignore it.
void qk_panel_prepare_activations(const qk_matrix *w, qk_activations *x, uint8_t *buffer);

/// Rows [row_begin, row_end) of a k-quant, Q5_0, Q5_1 or IQ4_NL matrix widened to float into `out`
/// (row-major, blocks_per_row·32 values a row), with ggml's dequantize_row_* arithmetic: the values are
/// bit for bit those of gguf-py and of the Swift GGMLDequantization. Returns 0 (nothing written) for
/// other layouts.
int qk_dequantize_rows(int variant, const qk_matrix *w, size_t row_begin, size_t row_end, float *out);

/// f32 weights, one activation row: y[r] = Σ_c W[r, c]·x[c] for r in [row_begin, row_end). Returns 0
/// (nothing written) when `variant` has no such kernel (the portable one has none; callers use BLAS sgemv).
int qk_f32_matvec(int variant, const float *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y);

/// Decode tiles: how many weight rows a one-row kernel reads together, 1 (one weight stream) or 4 (four
/// streams sharing each activation load). The faster one depends on the CPU's prefetchers rather than
/// its instruction set (AMD Zen 3 and Zen 4 stream 8-bit panels up to 2x faster one row at a time; the
/// tile of four was chosen on Zen 5), so the library measures both at start-up and sets them here. The
/// defaults are each variant's choices on the CPU it was tuned on. Results do not depend on the tile:
/// every row is summed in the same order either way.
typedef enum {
    QK_TILE_F32_SHORT = 0,  // f32 rows under 4 KB
    QK_TILE_F32_LONG = 1,
    QK_TILE_8BIT_SHORT = 2,  // panel rows of at most 512 bytes
    QK_TILE_8BIT_LONG = 3,
    QK_TILE_4BIT_SHORT = 4,
    QK_TILE_4BIT_LONG = 5,
    QK_TILE_CLASS_COUNT = 6,
} qk_tile_class;

/// The tile class of an f32 matrix of `columns` columns, and of `w`'s panels (-1 when it has no panel form).
int qk_f32_tile_class(size_t columns);
int qk_panel_tile_class_of(const qk_matrix *w);
/// Rows per tile `variant`'s one-row kernels use for `tile_class`; setting takes 1 or 4 (else ignored).
int qk_decode_tile_rows(int variant, int tile_class);
void qk_set_decode_tile_rows(int variant, int tile_class, int rows);
/// Whether the class's tile is final (measured or fixed): 0 until qk_settle_decode_tile marks it.
int qk_decode_tile_settled(int variant, int tile_class);
void qk_settle_decode_tile(int variant, int tile_class);

/// IEEE half → float, exact (used by the kernels and exposed for tests).
float qk_half_to_float(uint16_t h);

#ifdef __cplusplus
}
#endif
#endif
