// Softmax, SiLU and one-row attention (include/row_kernels.h). Decode profiles of SmolLM2 put ~8% of a
// Q8_0 token in Swift dot products, scalar expf and axpy loops of the attention, and a Q4_0 pp512
// profile ~25% in the attention's scalar softmax: these loops, vectorised with a polynomial exp.
#include "row_kernels.h"
#include "half.h"
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && !defined(QK_PORTABLE_ONLY)
#define RK_X86 1
#include <immintrin.h>
#else
#define RK_X86 0
#endif

// The best form this CPU runs: 2 AVX-512F, 1 AVX2 with FMA, 0 portable.
int rk_vector_available(void) {
#if RK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return 2;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") ? 1 : 0;
#else
    return 0;
#endif
}

// The forms a process may run: the CPU's best, held lower by MEGALODON_KERNEL=avx2|avx-vnni|portable as
// the quantized kernels are (KernelVariant.preferred), so that an AVX2 or portable run is that throughout.
static int allowed_forms(void) {
    const int best = rk_vector_available();
    const char *named = getenv("MEGALODON_KERNEL");
    if (named && strcmp(named, "portable") == 0) return 0;
    if (named && (strcmp(named, "avx2") == 0 || strcmp(named, "avx-vnni") == 0)) return best < 1 ? best : 1;
    return best;
}

// The form a call runs: the one asked for, or the best below it that this process may use.
static int form_for(int asked) {
    static atomic_int available = -1;
    int known = atomic_load_explicit(&available, memory_order_relaxed);
    if (known < 0) {
        known = allowed_forms();
        atomic_store_explicit(&available, known, memory_order_relaxed);
    }
    return asked < known ? asked : known;
}

int rk_vector_allowed(void) { return form_for(2); }

// The scores of decode attention for one ISA (vectors of `lanes` floats), in blocks of `lanes` positions
// per query head: one transposing lane_sums per block, where a horizontal sum per position and head was
// most of a long cache's scores (SmolLM2-135M decode at 6,000 cached positions). Every position's lanes
// add in lane_sums' one pattern whatever its slot, so a score does not depend on its block. Inlined into
// one copy per cache type, so the type test leaves the loops.
#define RK_SCORES_KERNEL(isa, vec, lanes, zero, set1, fma, mul, load, load_cached, lane_sums, store_first)          \
    static inline __attribute__((always_inline)) void attend_scores_##isa(                                         \
        const float *q, size_t group, size_t head_dim, const void *keys, int half, size_t key_stride, size_t first, \
        size_t end, size_t total, float scale, float *scores) {                                                    \
        const vec scales = set1(scale);                                                                            \
        for (size_t j0 = first; j0 < end; j0 += (lanes)) {                                                         \
            const size_t n = end - j0 < (lanes) ? end - j0 : (lanes);                                              \
            for (size_t h = 0; h < group; h++) {                                                                   \
                const float *qh = q + h * head_dim;                                                                \
                vec acc[lanes];                                                                                    \
                for (int p = 0; p < (lanes); p++) {                                                                \
                    acc[p] = zero();                                                                               \
                    if ((size_t)p >= n) continue;                                                                  \
                    const void *k = cache_row(keys, j0 + (size_t)p, key_stride, half);                             \
                    for (size_t d = 0; d < head_dim; d += (lanes))                                                 \
                        acc[p] = fma(load(qh + d), load_cached(k, d, half), acc[p]);                               \
                }                                                                                                  \
                store_first(scores + h * total + j0, n, mul(scales, lane_sums(acc)));                             \
            }                                                                                                      \
        }                                                                                                          \
    }

// The weighted sum of decode attention for one ISA (vectors of `lanes` floats), four vectors of columns
// at a time. Each output column accumulates in its own lane in position order, so a column's value does
// not depend on which multiple-of-16 range of columns a call covers. Positions go in chunks whose value
// rows stay in L1 while each query head of the group takes them with its accumulators in registers:
// one pass over the cache with group × 4 accumulators kept them in memory, and SmolLM2-135M decode at
// 6,000 cached positions ran 33 tok/s on 1 thread against 46 now.
#define RK_WEIGH_KERNEL(isa, vec, lanes, zero, set1, fma, load, store)                                              \
    static inline __attribute__((always_inline)) void attend_weigh_##isa(                                          \
        const float *scores, size_t group, size_t total, const void *values, int half, size_t value_stride,         \
        size_t columns, float *out, size_t out_stride) {                                                           \
        vec acc[RK_MAX_GROUP][4];                                                                                  \
        for (size_t d = 0; d < columns; d += 4 * (lanes)) {                                                        \
            const size_t width = columns - d < 4 * (lanes) ? columns - d : 4 * (lanes);                            \
            const size_t vectors = width / (lanes);                                                                \
            for (size_t h = 0; h < group; h++) for (size_t v = 0; v < 4; v++) acc[h][v] = zero();                  \
            for (size_t j0 = 0; j0 < total; j0 += RK_WEIGH_POSITIONS) {                                            \
                const size_t j1 = total - j0 < RK_WEIGH_POSITIONS ? total : j0 + RK_WEIGH_POSITIONS;               \
                for (size_t h = 0; h < group; h++) {                                                               \
                    const float *s = scores + h * total;                                                           \
                    vec a0 = acc[h][0], a1 = acc[h][1], a2 = acc[h][2], a3 = acc[h][3];                            \
                    for (size_t j = j0; j < j1; j++) {                                                             \
                        const void *row = cache_row(values, j, value_stride, half);                                \
                        const vec w = set1(s[j]);                                                                  \
                        a0 = fma(w, load(row, d, half), a0);                                                       \
                        if (vectors > 1) a1 = fma(w, load(row, d + (lanes), half), a1);                            \
                        if (vectors > 2) a2 = fma(w, load(row, d + 2 * (lanes), half), a2);                        \
                        if (vectors > 3) a3 = fma(w, load(row, d + 3 * (lanes), half), a3);                        \
                    }                                                                                              \
                    acc[h][0] = a0, acc[h][1] = a1, acc[h][2] = a2, acc[h][3] = a3;                                \
                }                                                                                                  \
            }                                                                                                      \
            for (size_t h = 0; h < group; h++)                                                                     \
                for (size_t v = 0; v < vectors; v++) store(out + h * out_stride + d + (lanes) * v, acc[h][v]);     \
        }                                                                                                          \
    }

// One copy of an ISA's attention kernels per cache type (f32, f16), the type test out of their loops.
#define RK_CACHE_TYPE_COPIES(isa)                                                                                       \
    static void attend_scores_##isa##_f32(const float *q, size_t group, size_t head_dim, const void *keys,               \
                                          size_t key_stride, size_t first, size_t end, size_t total, float scale,      \
                                          float *scores) {                                                             \
        attend_scores_##isa(q, group, head_dim, keys, 0, key_stride, first, end, total, scale, scores);                \
    }                                                                                                                  \
    static void attend_scores_##isa##_f16(const float *q, size_t group, size_t head_dim, const void *keys,               \
                                          size_t key_stride, size_t first, size_t end, size_t total, float scale,      \
                                          float *scores) {                                                             \
        attend_scores_##isa(q, group, head_dim, keys, 1, key_stride, first, end, total, scale, scores);                \
    }                                                                                                                  \
    static void attend_weigh_##isa##_f32(const float *scores, size_t group, size_t total, const void *values,            \
                                         size_t value_stride, size_t columns, float *out, size_t out_stride) {         \
        attend_weigh_##isa(scores, group, total, values, 0, value_stride, columns, out, out_stride);                   \
    }                                                                                                                  \
    static void attend_weigh_##isa##_f16(const float *scores, size_t group, size_t total, const void *values,            \
                                         size_t value_stride, size_t columns, float *out, size_t out_stride) {         \
        attend_weigh_##isa(scores, group, total, values, 1, value_stride, columns, out, out_stride);                   \
    }

// ---- portable forms ----

static void softmax_portable(float *x, size_t count) {
    float maximum = -INFINITY;
    for (size_t i = 0; i < count; i++) maximum = x[i] > maximum ? x[i] : maximum;
    float total = 0;
    for (size_t i = 0; i < count; i++) {
        x[i] = expf(x[i] - maximum);
        total += x[i];
    }
    const float scale = 1 / total;
    for (size_t i = 0; i < count; i++) x[i] *= scale;
}

static void silu_portable(float *x, const float *gate, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const float s = x[i] / (1 + expf(-x[i]));
        x[i] = gate ? s * gate[i] : s;
    }
}

// Cached keys and values are f32, or IEEE f16 (`half`, the cache llama.cpp keeps by default): row
// `index` of a cache whose rows are `stride` elements apart.
static inline const void *cache_row(const void *base, size_t index, size_t stride, int half) {
    return (const char *)base + index * stride * (half ? sizeof(uint16_t) : sizeof(float));
}

static inline float cache_value(const void *row, size_t d, int half) {
    return half ? qk_half_bits_to_float(((const uint16_t *)row)[d]) : ((const float *)row)[d];
}

// Scores of positions [first, end) (rows of `total` per query head), no softmax: each is the same
// whatever range computes it.
static void attend_scores_portable(const float *q, size_t group, size_t head_dim, const void *keys, int half,
                                   size_t key_stride, size_t first, size_t end, size_t total, float scale, float *scores) {
    for (size_t h = 0; h < group; h++) {
        float *s = scores + h * total;
        for (size_t j = first; j < end; j++) {
            const void *k = cache_row(keys, j, key_stride, half);
            float dot = 0;
            for (size_t d = 0; d < head_dim; d++) dot += q[h * head_dim + d] * cache_value(k, d, half);
            s[j] = scale * dot;
        }
    }
}

static void attend_weigh_portable(const float *scores, size_t group, size_t total, const void *values, int half,
                                  size_t value_stride, size_t columns, float *out, size_t out_stride) {
    for (size_t h = 0; h < group; h++) {
        const float *s = scores + h * total;
        float *o = out + h * out_stride;
        for (size_t d = 0; d < columns; d++) o[d] = 0;
        for (size_t j = 0; j < total; j++) {
            const void *v = cache_row(values, j, value_stride, half);
            for (size_t d = 0; d < columns; d++) o[d] += s[j] * cache_value(v, d, half);
        }
    }
}

// binary32 → binary16 bits, round to nearest even.
static uint16_t narrow_half_portable(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
    const uint32_t magnitude = bits & 0x7FFFFFFF;
    if (magnitude > 0x7F800000) return sign | 0x7E00 | (uint16_t)((magnitude >> 13) & 0x3FF);  // NaN, quiet
    if (magnitude >= 0x47800000) return sign | 0x7C00;                                           // ≥ 65536: infinity
    if (magnitude < 0x38800000) {
        // Below the smallest normal half: adding 0.5 lets the float adder do the rounding shift.
        float shifted;
        memcpy(&shifted, &magnitude, 4);
        shifted += 0.5f;
        uint32_t rounded;
        memcpy(&rounded, &shifted, 4);
        return sign | (uint16_t)(rounded - 0x3F000000);
    }
    const uint32_t rebiased = magnitude - 0x38000000 + 0x0FFF + ((magnitude >> 13) & 1);
    const uint32_t half = rebiased >> 13;
    return sign | (uint16_t)(half < 0x7C00 ? half : 0x7C00);
}

// ---- AVX-512 forms ----
#if RK_X86
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))), apply_to = function)

// e^x for x in [−104, 88.7] (clamped there): x = n·ln2 + r, e^r by Cephes' expf polynomial, 2^n by
// scalef (which also flushes results below the float range to zero as expf does).
static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.7f)), _mm512_set1_ps(-104.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

static inline __mmask16 tail_mask(size_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

static void widen_half_avx512(const uint16_t *half, float *x, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        _mm512_mask_storeu_ps(x + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, half + i)));
    }
}

static void narrow_half_avx512(const float *x, uint16_t *half, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        _mm256_mask_storeu_epi16(half + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT));
    }
}

static void softmax_avx512(float *x, size_t count) {
    __m512 maximum = _mm512_set1_ps(-INFINITY);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        maximum = _mm512_mask_max_ps(maximum, m, maximum, _mm512_maskz_loadu_ps(m, x + i));
    }
    const __m512 top = _mm512_set1_ps(_mm512_reduce_max_ps(maximum));
    __m512 total = _mm512_setzero_ps();
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), top));
        _mm512_mask_storeu_ps(x + i, m, e);
        total = _mm512_mask_add_ps(total, m, total, e);
    }
    const __m512 scale = _mm512_set1_ps(1 / _mm512_reduce_add_ps(total));
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), scale));
    }
}

static void silu_avx512(float *x, const float *gate, size_t count) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 s = _mm512_div_ps(v, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), v))));
        if (gate) s = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, gate + i));
        _mm512_mask_storeu_ps(x + i, m, s);
    }
}

// Up to 8 query heads of a multiple-of-16 width: each key and value row is read once for the group.
#define RK_MAX_GROUP 8
// Cached positions per chunk of the weighted sum: 64 value rows of 64 floats are 16 KB, in L1.
#define RK_WEIGH_POSITIONS 64
// The lane sums of x[0..15] as one vector (lane p: Σ x[p]), by a transposing tree: every position's
// lanes are added in the same pattern (l + 8, then + 4, + 2, + 1) whichever slot it fills, so a score
// does not depend on the block of positions it was computed in.
static inline __m512 lane_sums_16(const __m512 x[16]) {
    const __m512i low1 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const __m512i low2 = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    const __m512i low3 = _mm512_setr_epi32(0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
    const __m512i low4 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 y[8], z[4], w[2];
    for (int i = 0; i < 8; i++)
        y[i] = _mm512_add_ps(_mm512_permutex2var_ps(x[2 * i], low1, x[2 * i + 1]),
                             _mm512_permutex2var_ps(x[2 * i], _mm512_add_epi32(low1, _mm512_set1_epi32(8)), x[2 * i + 1]));
    for (int i = 0; i < 4; i++)
        z[i] = _mm512_add_ps(_mm512_permutex2var_ps(y[2 * i], low2, y[2 * i + 1]),
                             _mm512_permutex2var_ps(y[2 * i], _mm512_add_epi32(low2, _mm512_set1_epi32(4)), y[2 * i + 1]));
    for (int i = 0; i < 2; i++)
        w[i] = _mm512_add_ps(_mm512_permutex2var_ps(z[2 * i], low3, z[2 * i + 1]),
                             _mm512_permutex2var_ps(z[2 * i], _mm512_add_epi32(low3, _mm512_set1_epi32(2)), z[2 * i + 1]));
    return _mm512_add_ps(_mm512_permutex2var_ps(w[0], low4, w[1]),
                         _mm512_permutex2var_ps(w[0], _mm512_add_epi32(low4, _mm512_set1_epi32(1)), w[1]));
}

// 16 values of a cached row from element `d`, widened when the cache is f16.
static inline __m512 cache_load16(const void *row, size_t d, int half) {
    if (half) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)row + d)));
    return _mm512_loadu_ps((const float *)row + d);
}

// The first n ≤ 16 lanes of v to p.
static inline void store_first16(float *p, size_t n, __m512 v) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }

RK_SCORES_KERNEL(avx512, __m512, 16, _mm512_setzero_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_mul_ps, _mm512_loadu_ps, cache_load16,
                 lane_sums_16, store_first16)

RK_WEIGH_KERNEL(avx512, __m512, 16, _mm512_setzero_ps, _mm512_set1_ps, _mm512_fmadd_ps, cache_load16, _mm512_storeu_ps)

RK_CACHE_TYPE_COPIES(avx512)

#pragma clang attribute pop
#endif

// ---- AVX2 forms (CPUs without AVX-512, e.g. AMD Zen 2/3): the same loops with 8 lanes ----
#if RK_X86
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "x86_common.h"

// exp16's polynomial; 2^n is applied as two halves built in the exponent field, so that results below
// the normal range come out subnormal or zero as expf's do.
static inline __m256 exp8(__m256 x) {
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.7f)), _mm256_set1_ps(-104.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i whole = _mm256_cvtps_epi32(n);
    const __m256i low = _mm256_srai_epi32(whole, 1), high = _mm256_sub_epi32(whole, low);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 low_power = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(low, bias), 23));
    const __m256 high_power = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(high, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, low_power), high_power);
}

static void softmax_avx2(float *x, size_t count) {
    const __m256 lowest = _mm256_set1_ps(-INFINITY);
    __m256 maximum = lowest;
    for (size_t i = 0; i < count; i += 8) {
        const __m256i m = qk_live8(count - i);
        const __m256 v = _mm256_blendv_ps(lowest, _mm256_maskload_ps(x + i, m), _mm256_castsi256_ps(m));
        maximum = _mm256_max_ps(maximum, v);
    }
    const __m256 top = _mm256_set1_ps(qk_max256(maximum));
    __m256 total = _mm256_setzero_ps();
    for (size_t i = 0; i < count; i += 8) {
        const __m256i m = qk_live8(count - i);
        const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), top)), _mm256_castsi256_ps(m));
        _mm256_maskstore_ps(x + i, m, e);
        total = _mm256_add_ps(total, e);
    }
    const __m256 scale = _mm256_set1_ps(1 / qk_sum256(total));
    for (size_t i = 0; i < count; i += 8) {
        const __m256i m = qk_live8(count - i);
        _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_maskload_ps(x + i, m), scale));
    }
}

static void silu_avx2(float *x, const float *gate, size_t count) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (size_t i = 0; i < count; i += 8) {
        const __m256i m = qk_live8(count - i);
        const __m256 v = _mm256_maskload_ps(x + i, m);
        __m256 s = _mm256_div_ps(v, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
        if (gate) s = _mm256_mul_ps(s, _mm256_maskload_ps(gate + i, m));
        _mm256_maskstore_ps(x + i, m, s);
    }
}

static void widen_half_avx2(const uint16_t *half, float *x, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(half + i))));
    for (; i < count; i++) x[i] = qk_half_bits_to_float(half[i]);
}

static void narrow_half_avx2(const float *x, uint16_t *half, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm_storeu_si128((__m128i *)(half + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < count; i++) half[i] = narrow_half_portable(x[i]);
}

// 8 values of a cached row from element `d`, widened when the cache is f16.
static inline __m256 cache_load8(const void *row, size_t d, int half) {
    if (half) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + d)));
    return _mm256_loadu_ps((const float *)row + d);
}

// The lane sums of x[0..7] as one vector (lane p: Σ x[p]): two rounds of pairwise adds and one across
// the halves, the same pattern for every slot, so a score does not depend on its block of positions.
static inline __m256 lane_sums_8(const __m256 x[8]) {
    const __m256 a = _mm256_hadd_ps(x[0], x[1]), b = _mm256_hadd_ps(x[2], x[3]);
    const __m256 c = _mm256_hadd_ps(x[4], x[5]), d = _mm256_hadd_ps(x[6], x[7]);
    const __m256 low4 = _mm256_hadd_ps(a, b), high4 = _mm256_hadd_ps(c, d);
    return _mm256_add_ps(_mm256_permute2f128_ps(low4, high4, 0x20), _mm256_permute2f128_ps(low4, high4, 0x31));
}

// The first n ≤ 8 lanes of v to p.
static inline void store_first8(float *p, size_t n, __m256 v) { _mm256_maskstore_ps(p, qk_live8(n), v); }

RK_SCORES_KERNEL(avx2, __m256, 8, _mm256_setzero_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_mul_ps, _mm256_loadu_ps, cache_load8,
                 lane_sums_8, store_first8)

RK_WEIGH_KERNEL(avx2, __m256, 8, _mm256_setzero_ps, _mm256_set1_ps, _mm256_fmadd_ps, cache_load8, _mm256_storeu_ps)

RK_CACHE_TYPE_COPIES(avx2)

#pragma clang attribute pop
#endif

void rk_softmax_form(int vector, float *x, size_t count) {
    if (count == 0) return;
#if RK_X86
    switch (form_for(vector)) {
    case 2: softmax_avx512(x, count); return;
    case 1: softmax_avx2(x, count); return;
    default: break;
    }
#endif
    (void)vector;
    softmax_portable(x, count);
}

void rk_silu_form(int vector, float *x, const float *gate, size_t count) {
#if RK_X86
    switch (form_for(vector)) {
    case 2: silu_avx512(x, gate, count); return;
    case 1: silu_avx2(x, gate, count); return;
    default: break;
    }
#endif
    (void)vector;
    silu_portable(x, gate, count);
}

int rk_attend_vector_form(size_t group, size_t head_dim, size_t value_dim) {
#if RK_X86
    return group <= RK_MAX_GROUP && head_dim % 16 == 0 && value_dim % 16 == 0 ? form_for(2) : 0;
#else
    (void)group, (void)head_dim, (void)value_dim;
    return 0;
#endif
}

// The form the scores of a group take (2 AVX-512, 1 AVX2, 0 portable), which their softmax takes too.
static int scores_form(int vector, size_t group, size_t head_dim) {
#if RK_X86
    if (group <= RK_MAX_GROUP && head_dim % 16 == 0) return form_for(vector);
#endif
    (void)vector, (void)group, (void)head_dim;
    return 0;
}

void rk_attend_scores_range_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys, int half,
                                 size_t key_stride, size_t first, size_t count, size_t total, float scale, float *scores) {
    const size_t end = first + count;
    switch (scores_form(vector, group, head_dim)) {
#if RK_X86
    case 2:
        (half ? attend_scores_avx512_f16 : attend_scores_avx512_f32)(q, group, head_dim, keys, key_stride, first, end, total, scale,
                                                                     scores);
        return;
    case 1:
        (half ? attend_scores_avx2_f16 : attend_scores_avx2_f32)(q, group, head_dim, keys, key_stride, first, end, total, scale, scores);
        return;
#endif
    default: attend_scores_portable(q, group, head_dim, keys, half, key_stride, first, end, total, scale, scores); return;
    }
}

void rk_attend_softmax_form(int vector, size_t group, size_t head_dim, float *scores, size_t total) {
    const int form = scores_form(vector, group, head_dim);
    for (size_t h = 0; h < group; h++) rk_softmax_form(form, scores + h * total, total);
}

void rk_attend_scores_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys, int half,
                           size_t key_stride, size_t total, float scale, float *scores) {
    if (total == 0) return;
    rk_attend_scores_range_form(vector, q, group, head_dim, keys, half, key_stride, 0, total, total, scale, scores);
    rk_attend_softmax_form(vector, group, head_dim, scores, total);
}

void rk_attend_weigh_form(int vector, const float *scores, size_t group, size_t total, const void *values, int half,
                          size_t value_stride, size_t columns, float *out, size_t out_stride) {
#if RK_X86
    if (group <= RK_MAX_GROUP && columns % 16 == 0) {
        switch (form_for(vector)) {
        case 2:
            (half ? attend_weigh_avx512_f16 : attend_weigh_avx512_f32)(scores, group, total, values, value_stride, columns, out,
                                                                       out_stride);
            return;
        case 1:
            (half ? attend_weigh_avx2_f16 : attend_weigh_avx2_f32)(scores, group, total, values, value_stride, columns, out, out_stride);
            return;
        default: break;
        }
    }
#endif
    (void)vector;
    attend_weigh_portable(scores, group, total, values, half, value_stride, columns, out, out_stride);
}

void rk_attend_one_row_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys,
                            size_t key_stride, const void *values, size_t value_stride, int half, size_t value_dim,
                            size_t total, float scale, float *scores, float *out) {
    const int best = rk_attend_vector_form(group, head_dim, value_dim);
    const int form = vector < best ? vector : best;
    rk_attend_scores_form(form, q, group, head_dim, keys, half, key_stride, total, scale, scores);
    rk_attend_weigh_form(form, scores, group, total, values, half, value_stride, value_dim, out, value_dim);
}

void rk_widen_half(const uint16_t *half, float *x, size_t count) {
#if RK_X86
    if (form_for(2) == 2) { widen_half_avx512(half, x, count); return; }
    if (form_for(1) == 1) { widen_half_avx2(half, x, count); return; }
#endif
    for (size_t i = 0; i < count; i++) x[i] = qk_half_bits_to_float(half[i]);
}

void rk_narrow_half(const float *x, uint16_t *half, size_t count) {
#if RK_X86
    if (form_for(2) == 2) { narrow_half_avx512(x, half, count); return; }
    if (form_for(1) == 1) { narrow_half_avx2(x, half, count); return; }
#endif
    for (size_t i = 0; i < count; i++) half[i] = narrow_half_portable(x[i]);
}

void rk_softmax(float *x, size_t count) { rk_softmax_form(2, x, count); }

void rk_silu(float *x, const float *gate, size_t count) { rk_silu_form(2, x, gate, count); }

