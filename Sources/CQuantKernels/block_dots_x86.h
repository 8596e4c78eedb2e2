// The template's block primitives (kernel_template.h: qk_prepare, qk_dot_prepared, qk_acc_add_halves)
// over the including variant's byte product qk_dot_add(acc, u, s), Σ of four adjacent u·s (u unsigned,
// s signed) into int32 lanes. Signed codes go in as |q| with their signs moved onto the activations
// (ggml's sign trick). Uint8 codes go in as they are where qk_dot_add cannot saturate (dpbusd); through
// maddubs' int16 pairs (QK_U8_DOT_IS_OFFSET) they are first shifted to signed q − 128, as 255·127 pairs
// would overflow. 4-bit codes are small and unsigned as they are.
// Included by kernels_avx512.c and avx2_variant.h after qk_dot_add.

static inline int qk_dotted_signed(const int kind) {
    return kind == QK_CODES_I8 || (kind == QK_CODES_U8 && QK_U8_DOT_IS_OFFSET);
}

static inline qk_wvec qk_prepare(const uint8_t *w, const int kind) {
    qk_wvec prepared;
    if (kind == QK_CODES_U4) {
        prepared.magnitude = prepared.sign = qk_unpack_nibbles(w);
        return prepared;
    }
    __m256i codes = _mm256_loadu_si256((const __m256i *)w);
    if (kind == QK_CODES_U8 && QK_U8_DOT_IS_OFFSET) codes = _mm256_xor_si256(codes, _mm256_set1_epi8((char)0x80));
    prepared.sign = codes;
    prepared.magnitude = qk_dotted_signed(kind) ? _mm256_sign_epi8(codes, codes) : codes;
    return prepared;
}

static inline __m256i qk_dot_prepared(const qk_wvec w, const int8_t *a, const int kind) {
    __m256i activations = _mm256_loadu_si256((const __m256i *)a);
    if (qk_dotted_signed(kind)) activations = _mm256_sign_epi8(activations, w.sign);
    return qk_dot_add(_mm256_setzero_si256(), w.magnitude, activations);
}

// Int8 codes with |w| ≤ 32 (pairs of at most 2·32·127 stay inside int16). Lanes 0–3 of the dword sums
// are the first 16 values, lanes 4–7 the last.
static inline __m256 qk_acc_add_halves(__m256 acc, const int8_t *w, const int8_t *a, float s0, float s1) {
    const __m256i codes = _mm256_loadu_si256((const __m256i *)w);
    const __m256i signed_a = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)a), codes);
    const __m256i dot = qk_dot_add(_mm256_setzero_si256(), _mm256_sign_epi8(codes, codes), signed_a);
    return _mm256_fmadd_ps(_mm256_setr_m128(_mm_set1_ps(s0), _mm_set1_ps(s1)), _mm256_cvtepi32_ps(dot), acc);
}
