// Elementwise kernels for the IWAE's hot spots on the tfjs wasm backend, where tanh and softplus
// are scalar libm loops (15-20 ns an element). These run on 4 lanes with polynomial exp/log1p
// accurate to a few float32 ulps, directly on tfjs's memory (this module imports it).
//
// Freestanding: no libc, no static data and no stack (everything lives in wasm locals), so the
// module never writes outside the buffers it is given. Build: scripts/build-kernels.sh.
#include <wasm_simd128.h>

typedef v128_t f4;

#define LN2_HI 0.693145751953125f
#define LN2_LO 1.428606765330187e-06f
#define LOG2E 1.4426950408889634f

// e^x for x in [-87, 0]: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n by
// building the float's exponent bits. Relative error ~2e-7.
static inline f4 exp_neg(f4 x) {
  x = wasm_f32x4_max(x, wasm_f32x4_splat(-87.0f));
  f4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(LOG2E)));
  f4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
  f4 p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, bits);
}

// log(1 + y) for y in [0, 1] as 2 atanh(s), s = y / (2 + y) in [0, 1/3]: no cancellation near 0.
static inline f4 log1p_unit(f4 y) {
  f4 s = wasm_f32x4_div(y, wasm_f32x4_add(y, wasm_f32x4_splat(2.0f)));
  f4 s2 = wasm_f32x4_mul(s, s);
  f4 p = wasm_f32x4_splat(1.0f / 13.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f / 11.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f / 9.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f / 7.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f / 5.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f / 3.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, s2), wasm_f32x4_splat(1.0f));
  return wasm_f32x4_mul(wasm_f32x4_mul(p, s), wasm_f32x4_splat(2.0f));
}

// softplus(v) = max(v, 0) + log1p(e^-|v|)
static inline f4 softplus4(f4 v) {
  f4 e = exp_neg(wasm_f32x4_neg(wasm_f32x4_abs(v)));
  return wasm_f32x4_add(wasm_f32x4_max(v, wasm_f32x4_splat(0.0f)), log1p_unit(e));
}

// σ(v) = 1/(1 + e^-v) for v >= 0, e^v/(1 + e^v) below: e = e^-|v| never overflows.
static inline f4 sigmoid4(f4 v) {
  f4 e = exp_neg(wasm_f32x4_neg(wasm_f32x4_abs(v)));
  f4 inv = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(e, wasm_f32x4_splat(1.0f)));
  return wasm_v128_bitselect(inv, wasm_f32x4_mul(e, inv), wasm_f32x4_ge(v, wasm_f32x4_splat(0.0f)));
}

// tanh(v) = sign(v) (1 - e)/(1 + e), e = e^-2|v| (absolute error below 1e-7).
static inline f4 tanh4(f4 v) {
  f4 e = exp_neg(wasm_f32x4_mul(wasm_f32x4_abs(v), wasm_f32x4_splat(-2.0f)));
  f4 t = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_splat(1.0f), e), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
  return wasm_v128_or(t, wasm_v128_and(v, wasm_i32x4_splat((int)0x80000000)));
}

// A lane-wise loop with a tail that goes through the same vector code (one lane used).
#define LOAD_TAIL(p, n) wasm_f32x4_make((n) > 0 ? (p)[0] : 0.0f, (n) > 1 ? (p)[1] : 0.0f, (n) > 2 ? (p)[2] : 0.0f, 0.0f)

static inline float hsum(f4 v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// out[r] = Σ_i x[b,i] ℓ[r,i] − softplus(ℓ[r,i]) for rows r = k·B + b of logits [K·B, D], x [B, D].
__attribute__((export_name("bernoulli_ll"))) void bernoulli_ll(const float* logits, const float* x, float* out, int rows,
                                                                int b, int d) {
  for (int r = 0; r < rows; r++) {
    const float* l = logits + (long)r * d;
    const float* xb = x + (long)(r % b) * d;
    f4 acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= d; i += 4) {
      f4 v = wasm_v128_load(l + i);
      f4 xv = wasm_v128_load(xb + i);
      acc = wasm_f32x4_add(acc, wasm_f32x4_sub(wasm_f32x4_mul(xv, v), softplus4(v)));
    }
    float tail = 0.0f;
    if (i < d) {
      int n = d - i;
      f4 v = LOAD_TAIL(l + i, n);
      f4 xv = LOAD_TAIL(xb + i, n);
      f4 term = wasm_f32x4_sub(wasm_f32x4_mul(xv, v), softplus4(v));
      tail = wasm_f32x4_extract_lane(term, 0) + (n > 1 ? wasm_f32x4_extract_lane(term, 1) : 0.0f) +
             (n > 2 ? wasm_f32x4_extract_lane(term, 2) : 0.0f);
    }
    out[r] = hsum(acc) + tail;
  }
}

// dℓ[r,i] = dy[r] (x[b,i] − σ(ℓ[r,i])): the gradient of bernoulli_ll. Values below 1e-30 are
// flushed to zero. With the IWAE objective, dy is a softmax weight over the K samples, and most of
// them underflow towards denormals as the posterior sharpens; WebAssembly cannot flush denormals
// in hardware, and the products that follow slow down by up to 3×. A gradient term of 1e-30 is
// far below float32 resolution next to the others, so nothing measurable is lost.
#define FLUSH 1e-30f
__attribute__((export_name("bernoulli_grad"))) void bernoulli_grad(const float* logits, const float* x, const float* dy,
                                                                    float* dl, int rows, int b, int d) {
  for (int r = 0; r < rows; r++) {
    const float* l = logits + (long)r * d;
    const float* xb = x + (long)(r % b) * d;
    float* g = dl + (long)r * d;
    float dyr = dy[r];
    if (dyr < FLUSH && dyr > -FLUSH) {
      for (int i = 0; i < d; i++) g[i] = 0.0f;
      continue;
    }
    f4 s = wasm_f32x4_splat(dyr);
    f4 tiny = wasm_f32x4_splat(FLUSH);
    int i = 0;
    for (; i + 4 <= d; i += 4) {
      f4 v = wasm_v128_load(l + i);
      f4 gv = wasm_f32x4_mul(s, wasm_f32x4_sub(wasm_v128_load(xb + i), sigmoid4(v)));
      wasm_v128_store(g + i, wasm_v128_and(gv, wasm_f32x4_ge(wasm_f32x4_abs(gv), tiny)));
    }
    for (; i < d; i++) {
      f4 v = wasm_f32x4_splat(l[i]);
      float gi = dyr * (xb[i] - wasm_f32x4_extract_lane(sigmoid4(v), 0));
      g[i] = (gi < FLUSH && gi > -FLUSH) ? 0.0f : gi;
    }
  }
}

// out = tanh(in), n elements.
__attribute__((export_name("tanh_f32"))) void tanh_f32(const float* in, float* out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, tanh4(wasm_v128_load(in + i)));
  for (; i < n; i++) out[i] = wasm_f32x4_extract_lane(tanh4(wasm_f32x4_splat(in[i])), 0);
}
