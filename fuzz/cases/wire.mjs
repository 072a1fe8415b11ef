// The worker engine's wire formats (lib/engine/codec.js, lib/engine/small.js)
// under hostile input. Each step: a random value (edge numbers, lone
// surrogates, bigints, holes, extra array properties, shared references and
// cycles, typed arrays, Maps, Dates, errors, big arrays of primitives that
// take the lent-argument path, runs of 256+ values that take the by-port
// path, and values that cannot be cloned) goes (1) through both encoders
// and `decode` in this process, (2) as arguments to a worker and back as a
// result, and (3) its encoded bytes, mutated (bytes flipped, cut short,
// extended, the flags changed), are decoded again.
// Oracle: every trip gives what structuredClone gives, or the same
// DataCloneError; a corrupt stream returns or throws an Error, never
// crashes the process or hangs it; the process exits on its own.

import { createRequire } from 'node:module'
import { isDeepStrictEqual } from 'node:util'

import { EDGE_NUMBERS, hostileString } from '../hostile.mjs'
import { callAsync, step, violation } from '../oracle.mjs'

const require = createRequire(import.meta.url)
const codec = require('../../lib/engine/codec.js')
const small = require('../../lib/engine/small.js')

function primitive(rng) {
  return rng.pick([
    () => rng.pick(EDGE_NUMBERS),
    () => rng.pick([-0, NaN, 2 ** 31, -(2 ** 31) - 1, 5e-324, 1.5]),
    () => hostileString(rng),
    () => rng.pick(['\uD800', 'x\uDC00', 'é'.repeat(rng.int(0, 80)), 'line '.repeat(rng.int(0, 60))]),
    () => rng.pick([0n, -1n, 2n ** 100n]),
    () => rng.pick([true, false, null, undefined]),
  ])()
}

/** A structured-cloneable value (or, rarely, one that is not), up to `depth` levels deep. */
function value(rng, depth = 0) {
  const leaf = depth >= 3
  switch (leaf ? 0 : rng.int(0, 11)) {
    case 0:
      return primitive(rng)
    case 1:
      // A big plain array of primitives: the lent-argument and by-port paths.
      return Array.from({ length: rng.pick([64, 255, 256, 300, 1000]) }, () => primitive(rng))
    case 2: {
      const a = Array.from({ length: rng.int(0, 70) }, () => value(rng, depth + 1))
      if (rng.chance(0.3) && a.length > 2) delete a[1]
      if (rng.chance(0.2)) a.extra = primitive(rng)
      return a
    }
    case 3: {
      const o = {}
      for (let i = rng.int(0, 5); i > 0; i--) o[rng.pick(['a', 'b', '1', 'x y', '\uD800'])] = value(rng, depth + 1)
      return o
    }
    case 4: {
      const shared = value(rng, depth + 1)
      return rng.pick([[shared, shared], { a: shared, b: [shared] }])
    }
    case 5: {
      const cyclic = { v: primitive(rng) }
      cyclic.self = cyclic
      return cyclic
    }
    case 6:
      return rng.pick([
        () => new Float64Array([1, NaN, -0]),
        () => new Uint8Array(new ArrayBuffer(16), 3, 5),
        () => new BigInt64Array([-1n]),
        () => new DataView(new ArrayBuffer(8), 2, 4),
        () => Buffer.from('a\0b'),
      ])()
    case 7:
      return rng.pick([new Map([[primitive(rng), value(rng, depth + 1)]]), new Set([primitive(rng)]), new Date(rng.pick([0, -1, 8.64e15, -8.64e15]))])
    case 8:
      return rng.pick([new Error(String(primitive(rng))), new RangeError('r'), /a+/giu, new String('boxed'), new Number(-0)])
    case 9:
      // Not cloneable: must fail as structuredClone fails.
      return rng.chance(0.2) ? rng.pick([() => 1, Symbol('s'), { f() {} }]) : primitive(rng)
    default:
      return Array.from({ length: rng.int(0, 300) }, () => ({ i: rng.int(0, 9), s: primitive(rng) }))
  }
}

/** structuredClone's result, or its error. */
function expected(v) {
  try {
    return { ok: true, value: structuredClone(v) }
  } catch (error) {
    return { ok: false, error }
  }
}

function same(got, want) {
  return isDeepStrictEqual(got, want)
}

/** Mutations of an encoded stream. */
function mutate(rng, bytes) {
  const b = Buffer.from(bytes)
  switch (rng.int(0, 4)) {
    case 0:
      for (let i = rng.int(1, 8); i > 0 && b.length > 0; i--) b[rng.int(0, b.length - 1)] = rng.int(0, 255)
      return b
    case 1:
      return b.subarray(0, rng.int(0, b.length))
    case 2:
      return Buffer.concat([b, Buffer.from(Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255)))])
    case 3:
      // The flags byte of a v8 stream (after the 2-byte header): OOB, BY_PORT, junk.
      if (b.length > 2 && b[0] === 0xff) b[2] = rng.pick([0, 1, 2, 3, 0x7f])
      return b
    default:
      return rng.chance(0.5) ? b.toString('latin1') : b
  }
}

export const wireCase = {
  name: 'wire',
  steps: 40,
  async setup(ctx) {
    ctx.pool = new ctx.np.Pool({ threads: 1, workers: 2 })
    ctx.echo = ctx.np.parallel((...xs) => xs, { engine: 'worker', pool: ctx.pool })
    ctx.first = ctx.np.parallel((x) => x, { engine: 'worker', pool: ctx.pool })
  },
  async teardown(ctx) {
    await ctx.pool.close()
  },
  async run(rng, ctx, index) {
    const args = Array.from({ length: rng.int(0, 4) }, () => value(rng))
    const want = expected(args)
    // (1) In process: the v8 stream (codec) and, for primitives, the short format (small).
    step(`#${index} codec round trip of ${args.length} values`)
    let bytes
    try {
      bytes = codec.encode(args, undefined, 0).bytes
      if (!want.ok) violation('encode-accepted-uncloneable', { error: String(want.error) })
      else if (!same(codec.decode(bytes, () => undefined), want.value)) violation('codec-mismatch', {})
    } catch (err) {
      if (want.ok) violation('codec-threw', { error: String(err) })
      else if (err?.name !== want.error.name) violation('codec-error-differs', { got: String(err), want: String(want.error) })
    }
    const short = small.encodeValues(args)
    if (short !== null) {
      const copy = Buffer.from(short)
      if (!want.ok || !same(codec.decode(copy, () => undefined), want.value)) violation('short-mismatch', {})
      bytes = copy
    }
    // (2) Through a worker and back: as arguments, and as one (possibly bulky) result.
    step(`#${index} worker echo of ${args.length} values`)
    const r = await callAsync('echo', () => ctx.echo(...args), undefined)
    if (r.ok !== want.ok) violation('echo-outcome-differs', { got: r.ok ? 'value' : String(r.error), want: want.ok ? 'value' : String(want.error) })
    else if (r.ok && !same(r.value, want.value)) violation('echo-mismatch', {})
    else if (!r.ok && r.error?.name !== want.error.name) violation('echo-error-differs', { got: String(r.error), want: String(want.error) })
    if (want.ok && args.length > 0) {
      const back = await callAsync('first', () => ctx.first(args[0]), undefined)
      if (!back.ok || !same(back.value, want.value[0])) violation('result-mismatch', { error: back.ok ? undefined : String(back.error) })
    }
    // (3) Corrupt streams: decode returns or throws an Error.
    if (bytes !== undefined) {
      for (let m = 0; m < 4; m++) {
        const bad = mutate(rng, bytes)
        step(`#${index} decode of a mutated stream (${bad.length} bytes)`)
        try {
          codec.decode(bad, () => undefined)
        } catch (err) {
          if (!(err instanceof Error) && !(err instanceof DOMException)) violation('decode-threw-non-error', { thrown: typeof err })
        }
      }
    }
  },
}
