// AVX2 + FMA + F16C + AVX-VNNI: the AVX2 variant with VEX-encoded dpbusd in place of each maddubs +
// madd, for the CPUs that have AVX-VNNI without AVX-512 VNNI (Intel's client cores from Alder Lake, its
// E-core servers). CPUs with both (Sapphire Rapids, Zen 5) take the avx512-vnni variant.
#include "variants.h"
#if QK_HAVE_X86_VARIANTS
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avxvnni"))), apply_to = function)
#define QK_FN(name) name##_avx_vnni
#define QK_SELF_VARIANT QK_VARIANT_AVX_VNNI
#define QK_AVX_VNNI 1
#include "avx2_variant.h"
#pragma clang attribute pop
#endif
