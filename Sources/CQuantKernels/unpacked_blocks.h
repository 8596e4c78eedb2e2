// The ggml block types the kernels unpack instead of reading in place (formats/gguf.md): the
// k-quants' 256-value super-blocks (Q2_K … Q6_K), the 5-bit blocks of 32 (Q5_0, Q5_1), whose code bits
// are spread over several fields, and IQ4_NL's blocks of 32 (indices into a non-linear grid). A unit
// (one super-block, or one block of 32) becomes signed 8-bit codes, one float scale per 16 values and
// one float offset term per 32 (Q2_K: per 16, its minima being per 16), so that
// w = scale·code + offset reproduces ggml's dequantize_row_* exactly (its d·sc and dmin·m products
// are formed in float the same way: an f16 times a 6- or 8-bit integer is exact in float).
// Included by each variant file after it defines QK_HALF.
#ifndef QUANT_KERNELS_UNPACKED_BLOCKS_H
#define QUANT_KERNELS_UNPACKED_BLOCKS_H

#include <stdint.h>
#include <string.h>
#include "half.h"
#include "quant_kernels.h"

#define QK_UNIT_MAX_VALUES 256

typedef struct {
    int8_t codes[QK_UNIT_MAX_VALUES];
    float scales[QK_UNIT_MAX_VALUES / 16];  // per 16 values
    float offsets[QK_UNIT_MAX_VALUES / 32]; // per 32 values (0 where the codes carry the zero point)
    // Q2_K only (half_offsets set): the offsets per 16 values, which meet the activation codes' sums per
    // 16 instead of the scaled sums per 32.
    float half_offsets[QK_UNIT_MAX_VALUES / 16];
    int half_offsets_set;
} qk_unpacked_unit;

static inline size_t qk_unit_values(const int layout) {
    switch (layout) {
    case QK_LAYOUT_Q5_0:
    case QK_LAYOUT_Q5_1:
    case QK_LAYOUT_IQ4_NL: return 32;
    default: return 256;  // Q2_K … Q6_K
    }
}

static inline size_t qk_unit_bytes(const int layout) {
    switch (layout) {
    case QK_LAYOUT_Q2_K: return 84;
    case QK_LAYOUT_Q3_K: return 110;
    case QK_LAYOUT_Q4_K: return 144;
    case QK_LAYOUT_Q5_K: return 176;
    case QK_LAYOUT_Q6_K: return 210;
    case QK_LAYOUT_Q5_0: return 22;
    case QK_LAYOUT_IQ4_NL: return 18;
    default: return 24;  // Q5_1
    }
}

// QK_HALF is the including variant's conversion (F16C on x86: the bit-by-bit form cost the AVX-512
// Q4_K decode several percent of its instructions).
static inline float qk_unit_half_at(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return QK_HALF(bits);
}

// The 6-bit scales and minima of sub-blocks 0–7 as bytes (byte j of each word for sub-block j) from
// Q4_K/Q5_K's twelve packed bytes q: sub-blocks 0–3 keep their low six bits in q[0..3] (scales) and
// q[4..7] (minima), whose top two bits are the high bits of sub-blocks 4–7, whose low four bits are
// the nibbles of q[8..11] (scales low, minima high); ggml's get_scale_min_k4, four lanes at a time.
static inline void qk_kquant_scales_minima(const uint8_t *q, uint64_t *scales, uint64_t *minima) {
    uint32_t w0, w1, w2;
    memcpy(&w0, q, 4);
    memcpy(&w1, q + 4, 4);
    memcpy(&w2, q + 8, 4);
    const uint32_t scales_high = (w2 & 0x0F0F0F0Fu) | ((w0 >> 2) & 0x30303030u);
    const uint32_t minima_high = ((w2 >> 4) & 0x0F0F0F0Fu) | ((w1 >> 2) & 0x30303030u);
    *scales = (uint64_t)(w0 & 0x3F3F3F3Fu) | ((uint64_t)scales_high << 32);
    *minima = (uint64_t)(w1 & 0x3F3F3F3Fu) | ((uint64_t)minima_high << 32);
}

// Q4_K (d, dmin, scales[12], qs[128]) and Q5_K (d, dmin, scales[12], qh[32], qs[128]): each 64 values
// share 32 code bytes, low nibbles first; Q5_K's bit 2i (2i + 1) of qh[l] is the fifth bit of value l
// of the 64-value pair's first (second) half.
static inline void qk_unpack_q4_k_q5_k(const uint8_t *block, const int five_bit, qk_unpacked_unit *out) {
    const float d = qk_unit_half_at(block), dmin = qk_unit_half_at(block + 2);
    const uint8_t *high = block + 16;
    const uint8_t *qs = block + (five_bit ? 48 : 16);
    uint64_t scales, minima;
    qk_kquant_scales_minima(block + 4, &scales, &minima);
    for (int j = 0; j < 8; j++) {
        out->scales[2 * j] = out->scales[2 * j + 1] = d * (float)((scales >> (8 * j)) & 0xFF);
        out->offsets[j] = -(dmin * (float)((minima >> (8 * j)) & 0xFF));
    }
    for (int pair = 0; pair < 4; pair++) {
        int8_t *low_codes = out->codes + 64 * pair, *high_codes = low_codes + 32;
        const uint8_t *bytes = qs + 32 * pair;
        for (int l = 0; l < 32; l++) {
            low_codes[l] = (int8_t)(bytes[l] & 0x0F);
            high_codes[l] = (int8_t)(bytes[l] >> 4);
        }
        if (five_bit) {
            for (int l = 0; l < 32; l++) {
                low_codes[l] = (int8_t)(low_codes[l] | (((high[l] >> (2 * pair)) & 1) << 4));
                high_codes[l] = (int8_t)(high_codes[l] | (((high[l] >> (2 * pair + 1)) & 1) << 4));
            }
        }
    }
}

// Q6_K (ql[128], qh[64], int8 scales[16], d): each 128-value half takes 64 ql bytes (low nibbles of
// values l and l + 32 in ql[l] and ql[l + 32], their high nibbles values l + 64 and l + 96) and 32 qh
// bytes (two bits of each of the four values).
static inline void qk_unpack_q6_k(const uint8_t *block, qk_unpacked_unit *out) {
    const uint8_t *ql = block, *qh = block + 128;
    const int8_t *sc = (const int8_t *)(block + 192);
    const float d = qk_unit_half_at(block + 208);
    for (int g = 0; g < 16; g++) out->scales[g] = d * (float)sc[g];
    for (int j = 0; j < 8; j++) out->offsets[j] = 0.0f;
    for (int half = 0; half < 2; half++) {
        const uint8_t *l4 = ql + 64 * half, *h2 = qh + 32 * half;
        int8_t *y = out->codes + 128 * half;
        for (int l = 0; l < 32; l++) {
            y[l] = (int8_t)(((l4[l] & 0x0F) | (((h2[l] >> 0) & 3) << 4)) - 32);
            y[l + 32] = (int8_t)(((l4[l + 32] & 0x0F) | (((h2[l] >> 2) & 3) << 4)) - 32);
            y[l + 64] = (int8_t)(((l4[l] >> 4) | (((h2[l] >> 4) & 3) << 4)) - 32);
            y[l + 96] = (int8_t)(((l4[l + 32] >> 4) | (((h2[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

// Q5_0 (d, qh[4], qs[16]; w = d·(q − 16)) and Q5_1 (d, m, qh[4], qs[16]; w = d·q + m): value j's low
// nibble is byte j's (j < 16) or byte j − 16's high nibble, its fifth bit is bit j of qh.
static inline void qk_unpack_q5_0_q5_1(const uint8_t *block, const int with_minimum, qk_unpacked_unit *out) {
    const float d = qk_unit_half_at(block);
    const uint8_t *fifth = block + (with_minimum ? 4 : 2);
    const uint8_t *qs = fifth + 4;
    uint32_t high;
    memcpy(&high, fifth, 4);
    const int zero = with_minimum ? 0 : 16;
    for (int j = 0; j < 16; j++) {
        out->codes[j] = (int8_t)(((qs[j] & 0x0F) | (((high >> j) & 1) << 4)) - zero);
        out->codes[j + 16] = (int8_t)(((qs[j] >> 4) | (((high >> (j + 16)) & 1) << 4)) - zero);
    }
    out->scales[0] = out->scales[1] = d;
    out->offsets[0] = with_minimum ? qk_unit_half_at(block + 2) : 0.0f;
}

// Q3_K's sixteen 6-bit scales (before subtracting 32) from its 12 packed bytes q, byte g of the four
// words being scale g: its low four bits are the low (g < 8) or high nibble of q[g mod 8], its high two
// bits are bits 2(g/4) of q[8 + g mod 4]. Four scales a 32-bit word (a byte-by-byte loop was a tenth of
// the Q3_K decode's instructions).
static inline void qk_q3_k_scale_words(const uint8_t *q, uint32_t words[4]) {
    uint32_t low, high, top;
    memcpy(&low, q, 4);
    memcpy(&high, q + 4, 4);
    memcpy(&top, q + 8, 4);
    const uint32_t nibbles = 0x0F0F0F0Fu, pairs = 0x03030303u;
    words[0] = (low & nibbles) | ((top & pairs) << 4);
    words[1] = (high & nibbles) | (((top >> 2) & pairs) << 4);
    words[2] = ((low >> 4) & nibbles) | (((top >> 4) & pairs) << 4);
    words[3] = ((high >> 4) & nibbles) | (((top >> 6) & pairs) << 4);
}

// The sixteen scales minus 32.
static inline void qk_q3_k_scales(const uint8_t *q, int8_t scales[16]) {
    uint32_t words[4];
    qk_q3_k_scale_words(q, words);
    memcpy(scales, words, 16);
    for (int g = 0; g < 16; g++) scales[g] = (int8_t)(scales[g] - 32);
}

// Q2_K (scales[16], qs[64], d, dmin) and Q3_K (hmask[32], qs[64], scales[12], d): value group g of 16
// (g = 8n + 2j + i: half n of 128 values, pair j, first or second 16) takes bits 2j of qs bytes
// 32n + 16i + l; Q3_K's third bit is bit g/2 of hmask[16i + l], clear meaning q − 4.
static inline void qk_unpack_q2_k_q3_k(const uint8_t *block, const int three_bit, qk_unpacked_unit *out) {
    const uint8_t *qs = block + (three_bit ? 32 : 16);
    const float d = qk_unit_half_at(block + (three_bit ? 108 : 80)), dmin = three_bit ? 0.0f : qk_unit_half_at(block + 82);
    int8_t scales[16];
    if (three_bit) qk_q3_k_scales(block + 96, scales);
    for (int g = 0; g < 16; g++) {
        const uint8_t *bytes = qs + 32 * (g / 8) + 16 * (g % 2);
        const int shift = 2 * ((g % 8) / 2);
        int8_t *y = out->codes + 16 * g;
        if (three_bit) {
            const uint8_t *mask = block + 16 * (g % 2);
            out->scales[g] = d * (float)scales[g];
            for (int l = 0; l < 16; l++) y[l] = (int8_t)(((bytes[l] >> shift) & 3) - (((mask[l] >> (g / 2)) & 1) ? 0 : 4));
        } else {
            out->scales[g] = d * (float)(block[g] & 0x0F);
            out->half_offsets[g] = -(dmin * (float)(block[g] >> 4));
            for (int l = 0; l < 16; l++) y[l] = (int8_t)((bytes[l] >> shift) & 3);
        }
    }
    for (int j = 0; j < 8; j++) out->offsets[j] = 0.0f;
    out->half_offsets_set = !three_bit;
}

// IQ4_NL (d, qs[16]): value j's index is byte j's low nibble (j < 16) or byte j − 16's high nibble.
static const int8_t qk_iq4_nl_grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

static inline void qk_unpack_iq4_nl(const uint8_t *block, qk_unpacked_unit *out) {
    const uint8_t *qs = block + 2;
    for (int j = 0; j < 16; j++) {
        out->codes[j] = qk_iq4_nl_grid[qs[j] & 0x0F];
        out->codes[j + 16] = qk_iq4_nl_grid[qs[j] >> 4];
    }
    out->scales[0] = out->scales[1] = qk_unit_half_at(block);
    out->offsets[0] = 0.0f;
}

static inline void qk_unpack_unit(const uint8_t *block, const int layout, qk_unpacked_unit *out) {
    out->half_offsets_set = 0;
    switch (layout) {
    case QK_LAYOUT_Q2_K: qk_unpack_q2_k_q3_k(block, 0, out); return;
    case QK_LAYOUT_Q3_K: qk_unpack_q2_k_q3_k(block, 1, out); return;
    case QK_LAYOUT_IQ4_NL: qk_unpack_iq4_nl(block, out); return;
    case QK_LAYOUT_Q6_K: qk_unpack_q6_k(block, out); return;
    case QK_LAYOUT_Q5_0: qk_unpack_q5_0_q5_1(block, 0, out); return;
    case QK_LAYOUT_Q5_1: qk_unpack_q5_0_q5_1(block, 1, out); return;
    default: qk_unpack_q4_k_q5_k(block, layout == QK_LAYOUT_Q5_K, out); return;
    }
}

#endif
