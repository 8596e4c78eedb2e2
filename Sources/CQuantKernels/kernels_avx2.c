// AVX2 + FMA + F16C (Haswell / Zen 1 and later): ggml's maddubs sign trick for int8 × int8.
#include "variants.h"
#if QK_HAVE_X86_VARIANTS
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define QK_FN(name) name##_avx2
#define QK_SELF_VARIANT QK_VARIANT_AVX2
#define QK_AVX_VNNI 0
#include "avx2_variant.h"
#pragma clang attribute pop
#endif
