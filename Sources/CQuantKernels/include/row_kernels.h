// Row kernels of the engines' non-matrix work: softmax, SiLU and one-row (decode) attention. Each
// entry point picks at run time the best form the CPU has: AVX-512F, AVX2 with FMA, else a portable
// loop. The vector forms' exponential is a degree-6 polynomial after range reduction (Cephes' expf coefficients,
// within 2 ulp of expf over the softmax and SiLU ranges); the scalar forms call expf.
#ifndef ROW_KERNELS_H
#define ROW_KERNELS_H

#include <stddef.h>
#include <stdint.h>

// The best form this CPU runs: 2 AVX-512F, 1 AVX2 with FMA and F16C, 0 portable (callers may report it).
int rk_vector_available(void);
// The best form this process runs: rk_vector_available(), held lower by MEGALODON_KERNEL (avx2,
// avx-vnni or portable) so that a run held to a kernel variant is held throughout.
int rk_vector_allowed(void);

// x ← softmax(x) over `count` values, the maximum subtracted first, in float.
void rk_softmax(float *x, size_t count);

// x ← silu(x)·gate (gate NULL: silu(x)), silu(v) = v / (1 + e^−v).
void rk_silu(float *x, const float *gate, size_t count);

// IEEE binary16 bits ⇄ float for f16 attention caches: widening is exact; narrowing rounds to nearest
// even (overflow to infinity, NaN stays NaN), as F16C's conversion does.
void rk_widen_half(const uint16_t *half, float *x, size_t count);
void rk_narrow_half(const float *x, uint16_t *half, size_t count);

// One new position attending to `total` cached ones (decode), in two halves so that callers can split
// its work over threads (rk_attend_one_row_form below runs both): a group's scores and their softmax
// (`scores` holds group·total floats), then the softmax-weighted sum of `columns` value columns
// starting at `values` (query head h's at out + h·out_stride). Each column's sum is the same whatever
// range of columns a call covers, as long as both halves take the form rk_attend_vector_form gives for
// the whole head (the form rk_attend_one_row_form takes; 0 when the shapes need the portable loop)
// and, in a vector form, ranges are multiples of 16 columns. Cached keys and values are f32, or IEEE
// f16 bits when `half` is 1 (strides count elements either way); the arithmetic is f32 throughout.
int rk_attend_vector_form(size_t group, size_t head_dim, size_t value_dim);
void rk_attend_scores_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys, int half,
                           size_t key_stride, size_t total, float scale, float *scores);
void rk_attend_weigh_form(int vector, const float *scores, size_t group, size_t total, const void *values, int half,
                          size_t value_stride, size_t columns, float *out, size_t out_stride);
// rk_attend_scores_form in two steps, for long caches split over threads by position: the scores of
// positions [first, first + count) into each query head's row of `total` (the same values whatever the
// ranges), then the softmax of the whole rows, in the form the combined call would take.
void rk_attend_scores_range_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys, int half,
                                 size_t key_stride, size_t first, size_t count, size_t total, float scale, float *scores);
void rk_attend_softmax_form(int vector, size_t group, size_t head_dim, float *scores, size_t total);

// The same with the form named: `vector` 2 asks for the AVX-512 form, 1 for AVX2, 0 for the portable
// loop; a form the CPU lacks runs the best one below it. Tests compare them.
void rk_softmax_form(int vector, float *x, size_t count);
void rk_silu_form(int vector, float *x, const float *gate, size_t count);
// `group` query heads that share one key/value head (grouped-query attention): query head h is at
// q + h·head_dim, its output at out + h·value_dim. Scores are scale·q·k, softmax over all `total`
// positions; `scores` holds group·total floats.
void rk_attend_one_row_form(int vector, const float *q, size_t group, size_t head_dim, const void *keys,
                            size_t key_stride, const void *values, size_t value_stride, int half, size_t value_dim,
                            size_t total, float scale, float *scores, float *out);

#endif
