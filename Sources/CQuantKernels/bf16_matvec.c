// bf16 matrix-vector kernels (see include/bf16_matvec.h). Decode reads every weight once, so these
// are bandwidth kernels: each call streams rows of bf16 weights against one f32 vector, four rows
// at a time so each x load serves four rows.
#include "bf16_matvec.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && !defined(QK_PORTABLE_ONLY)
#define BF16MV_X86 1
#include <immintrin.h>
#else
#define BF16MV_X86 0
#endif

static inline float bf16_to_float(uint16_t bits) {
    uint32_t wide = (uint32_t)bits << 16;
    float value;
    memcpy(&value, &wide, sizeof value);
    return value;
}

// Round to nearest even (NaN kept quiet), as the hardware conversion does.
static inline uint16_t float_to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static void rows_portable(const uint16_t *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    for (size_t r = row_begin; r < row_end; r++) {
        const uint16_t *row = w + r * columns;
        float sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        size_t c = 0;
        for (; c + 4 <= columns; c += 4) {
            sum0 += bf16_to_float(row[c]) * x[c];
            sum1 += bf16_to_float(row[c + 1]) * x[c + 1];
            sum2 += bf16_to_float(row[c + 2]) * x[c + 2];
            sum3 += bf16_to_float(row[c + 3]) * x[c + 3];
        }
        for (; c < columns; c++) sum0 += bf16_to_float(row[c]) * x[c];
        y[r - row_begin] = (sum0 + sum1) + (sum2 + sum3);
    }
}

#if BF16MV_X86
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "x86_common.h"

static inline __m256 widen8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

// R ≤ 4 rows from r: 8 lanes, each x vector loaded once for all R rows; the last columns % 8 in scalar.
static inline void rows_avx2_tile(const uint16_t *w, size_t columns, const float *x, size_t r, float *y, const int R) {
    const size_t full = columns & ~(size_t)7;
    const uint16_t *rows[4];
    __m256 acc[4];
    for (int i = 0; i < R; i++) { rows[i] = w + (r + (size_t)i) * columns; acc[i] = _mm256_setzero_ps(); }
    for (size_t c = 0; c < full; c += 8) {
        const __m256 xv = _mm256_loadu_ps(x + c);
        for (int i = 0; i < R; i++) acc[i] = _mm256_fmadd_ps(widen8(rows[i] + c), xv, acc[i]);
    }
    for (int i = 0; i < R; i++) {
        float sum = qk_sum256(acc[i]);
        for (size_t c = full; c < columns; c++) sum += bf16_to_float(rows[i][c]) * x[c];
        y[i] = sum;
    }
}

static void rows_avx2(const uint16_t *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    size_t r = row_begin;
    for (; r + 4 <= row_end; r += 4) rows_avx2_tile(w, columns, x, r, y + (r - row_begin), 4);
    for (; r < row_end; r++) rows_avx2_tile(w, columns, x, r, y + (r - row_begin), 1);
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl"))), apply_to = function)

static inline void store4(float *y, __m512 a0, __m512 a1, __m512 a2, __m512 a3) {
    y[0] = _mm512_reduce_add_ps(a0);
    y[1] = _mm512_reduce_add_ps(a1);
    y[2] = _mm512_reduce_add_ps(a2);
    y[3] = _mm512_reduce_add_ps(a3);
}

static inline __m512 widen16(const uint16_t *p, __mmask16 mask) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, p)), 16));
}

static void rows_avx512f(const uint16_t *w, size_t columns, const float *x, size_t row_begin, size_t row_end, float *y) {
    const size_t full = columns & ~(size_t)15;
    const __mmask16 tail = (__mmask16)((1u << (columns - full)) - 1u);
    size_t r = row_begin;
    for (; r + 4 <= row_end; r += 4) {
        const uint16_t *w0 = w + r * columns, *w1 = w0 + columns, *w2 = w1 + columns, *w3 = w2 + columns;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        for (size_t c = 0; c < full; c += 16) {
            const __m512 xv = _mm512_loadu_ps(x + c);
            a0 = _mm512_fmadd_ps(widen16(w0 + c, 0xffff), xv, a0);
            a1 = _mm512_fmadd_ps(widen16(w1 + c, 0xffff), xv, a1);
            a2 = _mm512_fmadd_ps(widen16(w2 + c, 0xffff), xv, a2);
            a3 = _mm512_fmadd_ps(widen16(w3 + c, 0xffff), xv, a3);
        }
        if (tail) {
            const __m512 xv = _mm512_maskz_loadu_ps(tail, x + full);
            a0 = _mm512_fmadd_ps(widen16(w0 + full, tail), xv, a0);
            a1 = _mm512_fmadd_ps(widen16(w1 + full, tail), xv, a1);
            a2 = _mm512_fmadd_ps(widen16(w2 + full, tail), xv, a2);
            a3 = _mm512_fmadd_ps(widen16(w3 + full, tail), xv, a3);
        }
        store4(y + (r - row_begin), a0, a1, a2, a3);
    }
    for (; r < row_end; r++) {
        const uint16_t *w0 = w + r * columns;
        __m512 a0 = _mm512_setzero_ps();
        for (size_t c = 0; c < full; c += 16) a0 = _mm512_fmadd_ps(widen16(w0 + c, 0xffff), _mm512_loadu_ps(x + c), a0);
        if (tail) a0 = _mm512_fmadd_ps(widen16(w0 + full, tail), _mm512_maskz_loadu_ps(tail, x + full), a0);
        y[r - row_begin] = _mm512_reduce_add_ps(a0);
    }
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512bf16"))), apply_to = function)

// x split as hi = bf16(x), lo = bf16(x - hi): w·x ≈ w·hi + w·lo with exact bf16 weights, so the
// result keeps about 16 mantissa bits of x instead of 8. Layout: per 32 columns, 32 hi then 32 lo.
static void prepare_avx512bf16(const float *x, size_t columns, uint16_t *prepared) {
    const size_t blocks = (columns + 31) / 32;
    for (size_t b = 0; b < blocks; b++) {
        float chunk[32];
        for (size_t i = 0; i < 32; i++) chunk[i] = b * 32 + i < columns ? x[b * 32 + i] : 0.0f;
        const __m512 x0 = _mm512_loadu_ps(chunk), x1 = _mm512_loadu_ps(chunk + 16);
        const __m512bh hi = _mm512_cvtne2ps_pbh(x1, x0);
        const __m512 h0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256((__m512i)hi)), 16));
        const __m512 h1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64((__m512i)hi, 1)), 16));
        const __m512bh lo = _mm512_cvtne2ps_pbh(_mm512_sub_ps(x1, h1), _mm512_sub_ps(x0, h0));
        _mm512_storeu_si512((void *)(prepared + b * 64), (__m512i)hi);
        _mm512_storeu_si512((void *)(prepared + b * 64 + 32), (__m512i)lo);
    }
}

static inline __m512bh load_w32(const uint16_t *p, __mmask32 mask) { return (__m512bh)_mm512_maskz_loadu_epi16(mask, p); }

static void rows_avx512bf16(const uint16_t *w, size_t columns, const uint16_t *prepared, size_t row_begin, size_t row_end, float *y) {
    const size_t full = columns & ~(size_t)31;
    const size_t rest = columns - full;
    const __mmask32 tail = rest ? (__mmask32)((1ull << rest) - 1ull) : 0;
    size_t r = row_begin;
    for (; r + 4 <= row_end; r += 4) {
        const uint16_t *w0 = w + r * columns, *w1 = w0 + columns, *w2 = w1 + columns, *w3 = w2 + columns;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        const uint16_t *xp = prepared;
        for (size_t c = 0; c < full; c += 32, xp += 64) {
            const __m512bh hi = (__m512bh)_mm512_loadu_si512((const void *)xp), lo = (__m512bh)_mm512_loadu_si512((const void *)(xp + 32));
            const __m512bh v0 = load_w32(w0 + c, 0xffffffffu), v1 = load_w32(w1 + c, 0xffffffffu);
            const __m512bh v2 = load_w32(w2 + c, 0xffffffffu), v3 = load_w32(w3 + c, 0xffffffffu);
            a0 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a0, v0, hi), v0, lo);
            a1 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a1, v1, hi), v1, lo);
            a2 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a2, v2, hi), v2, lo);
            a3 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a3, v3, hi), v3, lo);
        }
        if (tail) {
            const __m512bh hi = (__m512bh)_mm512_loadu_si512((const void *)xp), lo = (__m512bh)_mm512_loadu_si512((const void *)(xp + 32));
            const __m512bh v0 = load_w32(w0 + full, tail), v1 = load_w32(w1 + full, tail);
            const __m512bh v2 = load_w32(w2 + full, tail), v3 = load_w32(w3 + full, tail);
            a0 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a0, v0, hi), v0, lo);
            a1 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a1, v1, hi), v1, lo);
            a2 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a2, v2, hi), v2, lo);
            a3 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a3, v3, hi), v3, lo);
        }
        store4(y + (r - row_begin), a0, a1, a2, a3);
    }
    for (; r < row_end; r++) {
        const uint16_t *w0 = w + r * columns;
        __m512 a0 = _mm512_setzero_ps();
        const uint16_t *xp = prepared;
        for (size_t c = 0; c < full; c += 32, xp += 64) {
            const __m512bh v0 = load_w32(w0 + c, 0xffffffffu);
            a0 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a0, v0, (__m512bh)_mm512_loadu_si512((const void *)xp)), v0,
                                  (__m512bh)_mm512_loadu_si512((const void *)(xp + 32)));
        }
        if (tail) {
            const __m512bh v0 = load_w32(w0 + full, tail);
            a0 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(a0, v0, (__m512bh)_mm512_loadu_si512((const void *)xp)), v0,
                                  (__m512bh)_mm512_loadu_si512((const void *)(xp + 32)));
        }
        y[r - row_begin] = _mm512_reduce_add_ps(a0);
    }
}
#pragma clang attribute pop
#endif

int bf16mv_available(int variant) {
    switch (variant) {
    case BF16MV_PORTABLE: return 1;
#if BF16MV_X86
    case BF16MV_AVX512F:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    case BF16MV_AVX512BF16:
        __builtin_cpu_init();
        return bf16mv_available(BF16MV_AVX512F) && __builtin_cpu_supports("avx512bf16");
    case BF16MV_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

// Only the exact kernels (f32 products of the widened weights, as the f32 reference computes them)
// are chosen automatically: the vdpbf16ps kernel keeps about 16 mantissa bits of x, which moves
// MEGALODON logits by more than the 1e-5 the engines are held to; it is there to be forced
// (MEGALODON_BF16_KERNEL=avx512-bf16) and measured.
int bf16mv_best(void) {
    if (bf16mv_available(BF16MV_AVX512F)) return BF16MV_AVX512F;
    return bf16mv_available(BF16MV_AVX2) ? BF16MV_AVX2 : BF16MV_PORTABLE;
}

const char *bf16mv_name(int variant) {
    switch (variant) {
    case BF16MV_PORTABLE: return "portable";
    case BF16MV_AVX512F: return "avx512f-widen";
    case BF16MV_AVX512BF16: return "avx512-bf16";
    case BF16MV_AVX2: return "avx2-widen";
    default: return "unknown";
    }
}

size_t bf16mv_prepared_count(int variant, size_t columns) {
    return variant == BF16MV_AVX512BF16 ? (columns + 31) / 32 * 64 : 0;
}

void bf16mv_prepare(int variant, const float *x, size_t columns, uint16_t *prepared) {
#if BF16MV_X86
    if (variant == BF16MV_AVX512BF16) prepare_avx512bf16(x, columns, prepared);
#else
    (void)x; (void)columns; (void)prepared;
#endif
    (void)variant;
}

void bf16mv_rows(int variant, const uint16_t *w, size_t columns, const float *x, const uint16_t *prepared,
                 size_t row_begin, size_t row_end, float *y) {
    switch (variant) {
#if BF16MV_X86
    case BF16MV_AVX512F: rows_avx512f(w, columns, x, row_begin, row_end, y); return;
    case BF16MV_AVX512BF16: rows_avx512bf16(w, columns, prepared, row_begin, row_end, y); return;
    case BF16MV_AVX2: rows_avx2(w, columns, x, row_begin, row_end, y); return;
#endif
    default: (void)prepared; rows_portable(w, columns, x, row_begin, row_end, y); return;
    }
}

// Keeps the scalar conversion referenced for builds without the x86 variants.
uint16_t bf16mv_round(float value) { return float_to_bf16(value); }
