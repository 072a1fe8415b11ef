// A small seeded PRNG (sfc32) and the choice helpers every fuzz case uses.
// A step's generator is derived from (seed, kind, step), so one step can be
// replayed alone: `node fuzz/driver.mjs <kind> <seed> --step <n>`.

/** A 32-bit FNV-1a hash of a string (used to derive per-step seeds). */
export function hash32(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** A seeded random source with the helpers a generator needs. */
export class Rng {
  /** `seed`: any string or number; equal seeds give equal sequences. */
  constructor(seed) {
    const s = String(seed)
    this.a = hash32(`a${s}`)
    this.b = hash32(`b${s}`)
    this.c = hash32(`c${s}`)
    this.d = hash32(`d${s}`) | 1
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A uniform 32-bit unsigned integer. */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A float in [0, 1). */
  float() {
    return this.u32() / 4294967296
  }

  /** An integer in [lo, hi] (inclusive). */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1))
  }

  /** True with probability `p`. */
  chance(p) {
    return this.float() < p
  }

  /** One element of `items`. */
  pick(items) {
    return items[Math.floor(this.float() * items.length)]
  }

  /** An index chosen by `weights` (non-negative numbers). */
  weighted(weights) {
    let total = 0
    for (const w of weights) total += w
    let r = this.float() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]
      if (r < 0) return i
    }
    return weights.length - 1
  }

  /** A size spread over orders of magnitude: 10 ** uniform(log10(lo), log10(hi)). */
  logInt(lo, hi) {
    const l = Math.log10(Math.max(1, lo))
    const h = Math.log10(hi)
    return Math.min(hi, Math.max(lo, Math.round(10 ** (l + this.float() * (h - l)))))
  }
}
