// Softmax, SiLU and one-row attention (include/row_kernels.h). Decode profiles of SmolLM2 put ~8% of a
// Q8_0 token in Swift dot products, scalar expf and axpy loops of the attention, and a Q4_0 pp512
// profile ~25% in the attention's scalar softmax: these loops, vectorised with a polynomial exp.
#include "row_kernels.h"
#include <math.h>
#include <stdatomic.h>

#if defined(__x86_64__) && defined(__clang__) && !defined(QK_PORTABLE_ONLY)
#define RK_X86 1
#include <immintrin.h>
#else
#define RK_X86 0
#endif

int rk_vector_available(void) {
#if RK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static int use_vector(void) {
    static atomic_int available = -1;
    int known = atomic_load_explicit(&available, memory_order_relaxed);
    if (known < 0) {
        known = rk_vector_available();
        atomic_store_explicit(&available, known, memory_order_relaxed);
    }
    return known;
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

static void attend_scores_portable(const float *q, size_t group, size_t head_dim, const float *keys,
                                   size_t key_stride, size_t total, float scale, float *scores) {
    for (size_t h = 0; h < group; h++) {
        float *s = scores + h * total;
        for (size_t j = 0; j < total; j++) {
            const float *k = keys + j * key_stride;
            float dot = 0;
            for (size_t d = 0; d < head_dim; d++) dot += q[h * head_dim + d] * k[d];
            s[j] = scale * dot;
        }
        softmax_portable(s, total);
    }
}

static void attend_weigh_portable(const float *scores, size_t group, size_t total, const float *values,
                                  size_t value_stride, size_t columns, float *out, size_t out_stride) {
    for (size_t h = 0; h < group; h++) {
        const float *s = scores + h * total;
        float *o = out + h * out_stride;
        for (size_t d = 0; d < columns; d++) o[d] = 0;
        for (size_t j = 0; j < total; j++) {
            const float *v = values + j * value_stride;
            for (size_t d = 0; d < columns; d++) o[d] += s[j] * v[d];
        }
    }
}

// ---- AVX-512 forms ----
#if RK_X86
#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f"))), apply_to = function)

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
static void attend_scores_avx512(const float *q, size_t group, size_t head_dim, const float *keys, size_t key_stride,
                                 size_t total, float scale, float *scores) {
    for (size_t j = 0; j < total; j++) {
        const float *k = keys + j * key_stride;
        __m512 acc[RK_MAX_GROUP];
        for (size_t h = 0; h < group; h++) acc[h] = _mm512_setzero_ps();
        for (size_t d = 0; d < head_dim; d += 16) {
            const __m512 kv = _mm512_loadu_ps(k + d);
            for (size_t h = 0; h < group; h++) acc[h] = _mm512_fmadd_ps(_mm512_loadu_ps(q + h * head_dim + d), kv, acc[h]);
        }
        for (size_t h = 0; h < group; h++) scores[h * total + j] = scale * _mm512_reduce_add_ps(acc[h]);
    }
    for (size_t h = 0; h < group; h++) softmax_avx512(scores + h * total, total);
}

// Each output column accumulates in its own lane in position order, so a column's value does not
// depend on which multiple-of-16 range of columns a call covers.
static void attend_weigh_avx512(const float *scores, size_t group, size_t total, const float *values,
                                size_t value_stride, size_t columns, float *out, size_t out_stride) {
    for (size_t d = 0; d < columns; d += 64) {
        const size_t width = columns - d < 64 ? columns - d : 64;  // multiple of 16
        const size_t vectors = width / 16;
        __m512 acc[RK_MAX_GROUP][4];
        for (size_t h = 0; h < group; h++) for (size_t v = 0; v < 4; v++) acc[h][v] = _mm512_setzero_ps();
        for (size_t j = 0; j < total; j++) {
            const float *row = values + j * value_stride + d;
            for (size_t v = 0; v < vectors; v++) {
                const __m512 value = _mm512_loadu_ps(row + 16 * v);
                for (size_t h = 0; h < group; h++)
                    acc[h][v] = _mm512_fmadd_ps(_mm512_set1_ps(scores[h * total + j]), value, acc[h][v]);
            }
        }
        for (size_t h = 0; h < group; h++)
            for (size_t v = 0; v < vectors; v++) _mm512_storeu_ps(out + h * out_stride + d + 16 * v, acc[h][v]);
    }
}

#pragma clang attribute pop
#endif

void rk_softmax_form(int vector, float *x, size_t count) {
    if (count == 0) return;
#if RK_X86
    if (vector && use_vector()) { softmax_avx512(x, count); return; }
#endif
    (void)vector;
    softmax_portable(x, count);
}

void rk_silu_form(int vector, float *x, const float *gate, size_t count) {
#if RK_X86
    if (vector && use_vector()) { silu_avx512(x, gate, count); return; }
#endif
    (void)vector;
    silu_portable(x, gate, count);
}

int rk_attend_vector_form(size_t group, size_t head_dim, size_t value_dim) {
#if RK_X86
    return use_vector() && group <= RK_MAX_GROUP && head_dim % 16 == 0 && value_dim % 16 == 0;
#else
    (void)group, (void)head_dim, (void)value_dim;
    return 0;
#endif
}

void rk_attend_scores_form(int vector, const float *q, size_t group, size_t head_dim, const float *keys,
                           size_t key_stride, size_t total, float scale, float *scores) {
    if (total == 0) return;
#if RK_X86
    if (vector && use_vector() && group <= RK_MAX_GROUP && head_dim % 16 == 0) {
        attend_scores_avx512(q, group, head_dim, keys, key_stride, total, scale, scores);
        return;
    }
#endif
    (void)vector;
    attend_scores_portable(q, group, head_dim, keys, key_stride, total, scale, scores);
}

void rk_attend_weigh_form(int vector, const float *scores, size_t group, size_t total, const float *values,
                          size_t value_stride, size_t columns, float *out, size_t out_stride) {
#if RK_X86
    if (vector && use_vector() && group <= RK_MAX_GROUP && columns % 16 == 0) {
        attend_weigh_avx512(scores, group, total, values, value_stride, columns, out, out_stride);
        return;
    }
#endif
    (void)vector;
    attend_weigh_portable(scores, group, total, values, value_stride, columns, out, out_stride);
}

void rk_attend_one_row_form(int vector, const float *q, size_t group, size_t head_dim, const float *keys,
                            size_t key_stride, const float *values, size_t value_stride, size_t value_dim,
                            size_t total, float scale, float *scores, float *out) {
    const int form = vector && rk_attend_vector_form(group, head_dim, value_dim);
    rk_attend_scores_form(form, q, group, head_dim, keys, key_stride, total, scale, scores);
    rk_attend_weigh_form(form, scores, group, total, values, value_stride, value_dim, out, value_dim);
}

void rk_softmax(float *x, size_t count) { rk_softmax_form(1, x, count); }

void rk_silu(float *x, const float *gate, size_t count) { rk_silu_form(1, x, gate, count); }

void rk_attend_one_row(const float *q, size_t group, size_t head_dim, const float *keys, size_t key_stride,
                       const float *values, size_t value_stride, size_t value_dim, size_t total, float scale,
                       float *scores, float *out) {
    rk_attend_one_row_form(1, q, group, head_dim, keys, key_stride, values, value_stride, value_dim, total, scale, scores, out);
}
