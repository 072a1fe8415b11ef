'use strict'
// The differential corpus: kernels covering every construct of the subset.
// Each runs in V8 (a plain loop) and compiled (parallelMap / the Rust
// runner), and the outputs must agree per element with Object.is.
// Used by crates/kernel/tests/gen_vectors.js (→ Rust tests) and by
// __test__/kernel-differential.spec.ts (→ the addon, against V8 live).

const SPECIAL = [
  NaN, Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1, -1, 0.5, -0.5, 1.5, -1.5, 2.5,
  -2.5, 0.49999999999999994, -0.49999999999999994, 3, 7, 10, 100, 255, 256, -256, Math.PI, -Math.E,
  2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32),
  2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) + 1, 1e20, -1e20, 1e300, 1.7976931348623157e308,
  4.5e15 + 0.5, 1e-7, 123.456, -987.654,
]

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Special values plus `n` random ones of varied magnitude and sign. */
function inputs(seed = 1, n = 48) {
  const r = rng(seed)
  const out = SPECIAL.slice()
  for (let k = 0; k < n; k++) {
    const mag = [1, 10, 1000, 1e6, 1e12, 1e-3][k % 6]
    out.push((r() * 2 - 1) * mag)
  }
  return out
}

/** Zips two columns for 2-input kernels: specials × a few, plus random pairs. */
function pairs(seed = 2) {
  const xs = inputs(seed, 24)
  const ys = inputs(seed + 7, 24).reverse()
  const a = []
  const b = []
  const few = [0, -0, 1, -1, NaN, Infinity, 2.5, 3]
  for (const x of SPECIAL) for (const y of few) (a.push(x), b.push(y))
  for (let k = 0; k < xs.length; k++) (a.push(xs[k]), b.push(ys[k]))
  return [a, b]
}

// prettier-ignore
const CORPUS = [
  { name: 'affine', fn: (x) => x * 2.5 + 1 },
  { name: 'negate', fn: (x) => -x },
  { name: 'unary plus and index', fn: (x, i) => +x + i },
  { name: 'division and general remainder', fn: (x) => x / 3 - (x % 7) },
  { name: 'remainder by powers of two', fn: (x) => (x % 4) + (x % -8) * 10 },
  { name: 'remainder sign of zero', fn: (x) => 1 / ((x * 2) % 2) },
  { name: 'remainder by a fraction', fn: (x) => x % 0.75 },
  { name: 'exponent', fn: (x) => 2 ** x + x ** 2 },
  { name: 'exponent special cases', fn: (x) => x ** 0.5 + (x ** -1.5) * 0 + 1 ** x + x ** 0 },
  { name: 'ToInt32 or', fn: (x) => x | 0 },
  { name: 'ToUint32 shift', fn: (x) => x >>> 0 },
  { name: 'shifts mask their count', fn: (x) => (x >> 3) + (x << 5) + (1 << x) + (x >>> 33) },
  { name: 'bitwise xor and not', fn: (x) => (x ^ 0x5555) + ~x + (x & 0xff00) },
  { name: 'imul clz32 fround', fn: (x) => Math.imul(x, 0x9e3779b9) + Math.clz32(x) + Math.fround(x) },
  { name: 'comparisons', fn: (x) => (x < 1) + (x <= 1) * 2 + (x > 1) * 4 + (x >= 1) * 8 + (x == 1) * 16 + (x != 1) * 32 + (x === x) * 64 + (x !== x) * 128 },
  { name: 'logical and yields an operand', fn: (x) => x && 5 },
  { name: 'logical or yields an operand', fn: (x) => x || -0 },
  { name: 'nullish and not', fn: (x) => (x ?? 3) + !x * 10 + !!x * 100 },
  { name: 'ternary', fn: (x) => (x > 0 ? Math.sqrt(x) : -x) },
  { name: 'rounding', fn: (x) => Math.round(x) },
  { name: 'round sign of zero', fn: (x) => 1 / Math.round(x) },
  { name: 'floor ceil trunc', fn: (x) => Math.floor(x) * 3 + Math.ceil(x) * 5 + Math.trunc(x) * 7 },
  { name: 'sign and abs', fn: (x) => Math.sign(x) / Math.abs(x) },
  { name: 'sign of zero', fn: (x) => 1 / Math.sign(x) },
  { name: 'max min with -0 and NaN', fn: (x) => 1 / Math.max(x, -0) + 1 / Math.min(x, 0) },
  { name: 'max min variadic', fn: (x) => Math.max(x, 1, 2) - Math.min(x, -1, 5) + Math.max() + Math.min() * 0 + Math.max(x) },
  { name: 'trig', fn: (x) => Math.sin(x) + Math.cos(x) * 2 + Math.tan(x) * 3 },
  { name: 'inverse trig', fn: (x) => Math.asin(x / 1e3) + Math.acos(x / 1e6) + Math.atan(x) },
  { name: 'hyperbolic', fn: (x) => Math.sinh(x / 100) + Math.cosh(x / 100) + Math.tanh(x) },
  { name: 'inverse hyperbolic', fn: (x) => Math.asinh(x) + Math.acosh(x) + Math.atanh(x / 1e3) },
  { name: 'exp family', fn: (x) => Math.exp(x / 10) + Math.expm1(x / 100) },
  { name: 'log family', fn: (x) => Math.log(x) + Math.log1p(x) + Math.log2(x) + Math.log10(x) },
  { name: 'cbrt pow atan2 hypot', fn: (x) => Math.cbrt(x) + Math.pow(x, 3) + Math.atan2(x, 1.5) + Math.hypot(x, 3, 4) },
  { name: 'hypot special', fn: (x) => Math.hypot(x) + Math.hypot() + Math.hypot(x, NaN) },
  { name: 'constants', fn: (x) => x * Math.PI + Math.E - Math.LN2 * Math.SQRT2 + Math.LN10 + Math.LOG2E + Math.LOG10E + Math.SQRT1_2 + Number.EPSILON },
  { name: 'number constants', fn: (x) => (x > Number.MAX_SAFE_INTEGER) + (x < Number.MIN_SAFE_INTEGER) * 2 + (x === Number.MAX_VALUE) * 4 + (x === Number.MIN_VALUE) * 8 + (x === Number.POSITIVE_INFINITY) * 16 + (x === Number.NEGATIVE_INFINITY) * 32 + (Number.NaN !== Number.NaN) * 64 },
  { name: 'Number predicates', fn: (x) => Number.isNaN(x) + Number.isFinite(x) * 2 + Number.isInteger(x) * 4 + Number.isSafeInteger(x) * 8 + isNaN(x) * 16 + isFinite(x) * 32 },
  { name: 'Number predicates of booleans', fn: (x) => Number.isFinite(x > 0) + Number.isInteger(x < 0) * 2 + isFinite(x > 0) * 4 + Number.isNaN(x !== x) * 8 },
  { name: 'let const if else', fn: function (x) { const a = x * 2; let b; if (a > 10) { b = a - 10 } else if (a < -10) { b = a + 10 } else { b = 0 } return b } },
  { name: 'for with break and continue', fn: function (x) { let s = 0; const n = Math.abs(x | 0) % 50; for (let k = 0; k < 100; k++) { if (k % 3 === 0) continue; if (k > n) break; s += k } return s } },
  { name: 'while and do-while', fn: function (x) { let n = Math.abs(x | 0) % 1000; let steps = 0; while (n > 1) { n = n % 2 ? 3 * n + 1 : n / 2; steps++ } let m = 0; do { m++ } while (m < 3); return steps + m } },
  { name: 'labeled loops', fn: function (x) { let c = 0; outer: for (let a = 0; a < 10; a++) { for (let b = 0; b < 10; b++) { if (b > a) continue outer; if (a * b > (Math.abs(x) % 40)) break outer; c++ } } return c } },
  { name: 'nested functions', fn: (x) => { function sq(a) { return a * a } function sum3(a, b, c) { return a + b + c } return sum3(sq(x), sq(2), 1) } },
  { name: 'recursion', fn: (x) => { function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib(Math.abs(x | 0) % 18) } },
  { name: 'mutual recursion and booleans', fn: (x) => { function even(n) { return n === 0 ? true : odd(n - 1) } function odd(n) { return n === 0 ? false : even(n - 1) } return even(Math.abs(x | 0) % 30) } },
  { name: 'named kernel recursion', fn: function gcd(a, i) { const b = (i % 97) + 1; a = Math.abs(Math.trunc(a)) % 1e6; return b === 0 || !Number.isFinite(a) ? a : gcdw(b, a % b); function gcdw(p, q) { return q === 0 ? p : gcdw(q, p % q) } } },
  { name: 'returns a boolean', fn: (x) => x > 0 },
  { name: 'compound assignment', fn: function (x) { let a = x; a += 1; a -= 0.5; a *= 3; a /= 7; a %= 5; a **= 2; let b = x; b <<= 3; b >>= 1; b >>>= 2; b &= 0xfff; b |= 0x100; b ^= 0x55; return a + b } },
  { name: 'logical assignment', fn: function (x) { let a = x; a &&= 2; let b = x; b ||= 3; let c = x; c ??= 4; return a * 100 + b * 10 + c } },
  { name: 'update expressions', fn: function (x) { let a = x; const p = a++; const q = ++a; let b = x; const r = b--; const s = --b; return p + q * 2 + r * 3 + s * 4 + a + b } },
  { name: 'comma and var', fn: function (x) { var t = (x, x * 2, x + 1); if (x > 0) { var u = 5 } return t + (u > 0 ? u : 1) + u } },
  { name: 'strict equality of booleans and numbers', fn: (x) => ((x > 0) === 1) + ((x > 0) === (x < 5)) * 2 + ((x > 0) !== true) * 4 },
  { name: 'implicit undefined return', fn: (x) => { if (x > 0) return 1 } },
  { name: 'use strict directive', fn: function (x) { 'use strict'; return x * x } },
  { name: 'Infinity NaN undefined', fn: (x) => (x === Infinity ? 1 : x !== x ? 2 : x === -Infinity ? 3 : 4) + undefined * 0 },
  // Exact values: booleans and undefined everywhere (a Float64Array stores ToNumber of each result).
  { name: 'boolean through a nested function', fn: (x) => { function f(a) { return a === 1 } return f(x > 0) + f(x) * 2 + f(true) * 4 + (f(x > 0) === f(x)) * 8 } },
  { name: 'maybe-boolean in Number.is*', fn: (x) => Number.isInteger(x > 0 ? x > 5 : 3) + Number.isFinite(x < 0 ? true : x) * 2 + Number.isNaN(x > 1 ? undefined : x) * 4 + isNaN(x > 1 ? undefined : x) * 8 + Number.isSafeInteger(x === 0 ? false : x) * 16 + isFinite(x > 1 ? false : x) * 32 },
  { name: 'undefined is not NaN', fn: (x) => { let a; const b = x > 0 ? undefined : x; const c = b ?? 7; a ??= x > 1; let d = x < 0 ? undefined : -x; d ??= 3; return (a === true) + c * 2 + (b === undefined) * 4 + (b == null) * 8 + (d === 3) * 16 + (d !== d) * 32 + (undefined ?? 64) } },
  { name: 'loose and strict equality across kinds', fn: (x) => { const u = x > 2 ? undefined : x > 0 ? x > 1 : x; return (u == 0) + (u === 0) * 2 + (u == false) * 4 + (u === false) * 8 + (u == null) * 16 + (u === undefined) * 32 + (u != true) * 64 + (u !== u) * 128 + (u == 1) * 256 + (u < 1) * 512 } },
  { name: 'var hoisting', fn: function (x) { const before = v; var v = x * 2; if (x > 0) { var w = 1 } for (var j = 0; j < 3; j++) { var t; if (j === 1) t = x } return (before === undefined) + v + (w === undefined) * 100 + (w ?? 0.5) + t + j } },
  { name: 'nested functions read enclosing variables', fn: (x, i) => { const k2 = 2.5; let acc = x; function g(v) { return v * k2 + acc } function h(v) { function inner(w) { return w - i + k2 + acc } return inner(v) * 2 } acc = g(1); return g(x) + h(x) } },
  { name: 'call chain returning a boolean', fn: (x) => { function f1(v) { return f2(v) } function f2(v) { return f3(v) } function f3(v) { return f4(v) } function f4(v) { return f5(v) } function f5(v) { return f6(v) } function f6(v) { return f7(v) } function f7(v) { return f8(v) } function f8(v) { return v > 0 } return (f1(x) === true) + (f1(x) === 1) * 2 + f1(-x) * 4 } },
  { name: 'missing arguments are undefined', fn: (x) => { function f(a, b, c) { return (b === undefined) + (c ?? a) } function g(a, b) { if (a > 0) return b } return f(x) + f(x, 1) * 10 + f(x, 1, 2) * 100 + (g(x) === undefined) * 1000 + (g(x, x > 1) ?? 0.25) } },
  { name: 'returns a boolean or undefined', fn: (x) => (x > 1 ? x > 2 : x < -1 ? undefined : x) },
  { name: 'returns what ?? and || give', fn: (x, i) => { let u; if (x > 0) u = x > 3; return (i % 3 === 0 ? u : x < 0 && undefined) ?? (x === 0 || undefined) } },
  { name: 'mandelbrot', fn: function (x, i) { const cr = -2 + (i % 64) / 24; const ci = -1.2 + (Math.abs(x) % 2.4); let zr = 0, zi = 0, n = 0; while (n < 200 && zr * zr + zi * zi <= 4) { const t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; n++ } return n } },
  { name: 'params constants', fn: (x) => x * k + m, params: { k: 3.5, m: -2 } },
  { name: 'params shadowed by a local', fn: (x) => { const k = 2; return x * k + m }, params: { k: 3.5, m: -2 } },
  { name: 'two inputs', fn: (x, y) => Math.atan2(x, y) + x * y, inputs: 2 },
  { name: 'two inputs and index', fn: (x, y, i) => x - y + i + (x < y) + Math.max(x, y) + (x % y), inputs: 2 },
]

module.exports = { CORPUS, SPECIAL, inputs, pairs, rng }
