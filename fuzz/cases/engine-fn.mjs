// The worker engine's function table and short wire format under hostile
// use: engineDefine / engineFunction / engineQueued with bad engines (0, closed, never
// created, huge), bad ids (0, -1, 2^32, NaN, -0, strings), specs of any
// string (lone surrogates, NULs, megabytes) and non-strings, on scratch
// engines and a closed one; then real worker calls on a Pool whose table
// nobody else touches, with random primitive arguments (edge numbers, lone
// surrogates, bigints), which must come back as structuredClone gives them.
// Oracle: the table calls return or throw a coded TypeError/RangeError;
// a defined spec reads back as given; worker results are exact; the
// process exits on its own.

import { createRequire } from 'node:module'

import { EDGE_NUMBERS, hostileString, hostileValue } from '../hostile.mjs'
import { callAsync, callSync, step, violation } from '../oracle.mjs'

const require = createRequire(import.meta.url)
const CODES = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_VALUE'])
const IDS = [1, 2, 7, 4096, 4097, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 0, -1, -0, 1.5, NaN, Infinity, 2 ** 53, '1', null, undefined]

function spec(rng) {
  return rng.pick([
    () => '[]',
    () => JSON.stringify([1, 'x => x', '/tmp/f.js', [], [], 'arrow', 1]),
    () => hostileString(rng),
    () => 'x'.repeat(rng.pick([0, 1, 1 << 16, 1 << 20])),
    () => '\uD800\0\uDFFF',
    () => hostileValue(rng),
  ])()
}

function primitive(rng) {
  return rng.pick([
    () => rng.pick(EDGE_NUMBERS),
    () => rng.pick([-0, NaN, 2 ** 31, -(2 ** 31) - 1, 5e-324]),
    () => hostileString(rng),
    () => rng.pick(['\uD800', 'x\uDC00', 'é'.repeat(rng.int(0, 80)), '\uD83D\uDE00'.repeat(rng.int(0, 40))]),
    () => rng.pick([0n, -1n, 2n ** 100n, -(2n ** 70n)]),
    () => rng.pick([true, false, null, undefined]),
  ])()
}

export const engineFnCase = {
  name: 'engine-fn',
  steps: 40,
  async setup(ctx) {
    const { engineOf } = require('../../lib/engine/pool.js')
    ctx.pool = new ctx.np.Pool({ threads: 1, workers: 1 })
    ctx.scratch = [ctx.native.engineCreate(1, 0), ctx.native.engineCreate(2, 0)]
    ctx.closed = ctx.native.engineCreate(1, 0)
    ctx.native.engineClose(ctx.closed)
    ctx.engines = [...ctx.scratch, ctx.closed, 0, 2 ** 20, 2 ** 40, -1, NaN, 'x', () => engineOf(ctx.pool).engine]
    ctx.echo = ctx.np.parallel((...xs) => xs, { engine: 'worker', pool: ctx.pool })
  },
  async teardown(ctx) {
    for (const e of ctx.scratch) ctx.native.engineClose(e)
    await ctx.pool.close()
  },
  async run(rng, ctx, index) {
    for (let c = rng.int(1, 12); c > 0; c--) {
      let engine = rng.pick(ctx.engines)
      const touchesPool = typeof engine === 'function'
      if (touchesPool) {
        // Reading the pool's table is fine; defining into it would change what its calls run.
        engine = engine()
      }
      const id = rng.pick(IDS)
      if (!touchesPool && rng.chance(0.5)) {
        const s = spec(rng)
        step(`#${index} engineDefine(${String(engine)}, ${String(id)}, ${typeof s === 'string' ? `string(${s.length})` : typeof s})`)
        const r = callSync('engineDefine', () => ctx.native.engineDefine(engine, id, s), CODES)
        if (r.ok && r.value === true) {
          const back = callSync('engineFunction', () => ctx.native.engineFunction(engine, id), CODES)
          // Kept as UTF-8: a lone surrogate reads back as U+FFFD.
          if (back.ok && back.value !== s.toWellFormed()) violation('spec-changed', { engine, id, length: s.length })
        }
        if (r.ok && typeof r.value !== 'boolean') violation('define-not-boolean', { got: typeof r.value })
      } else if (rng.chance(0.2)) {
        step(`#${index} engineQueued(${String(engine)})`)
        const r = callSync('engineQueued', () => ctx.native.engineQueued(engine), CODES)
        if (r.ok && !(Number.isInteger(r.value) && r.value >= 0)) violation('queued-not-count', { got: r.value })
      } else {
        step(`#${index} engineFunction(${String(engine)}, ${String(id)})`)
        const r = callSync('engineFunction', () => ctx.native.engineFunction(engine, id), CODES)
        if (r.ok && r.value !== null && typeof r.value !== 'string') violation('function-not-string', { got: typeof r.value })
      }
    }
    const args = Array.from({ length: rng.int(0, 6) }, () => primitive(rng))
    step(`#${index} echo(${args.length} primitives)`)
    const r = await callAsync('echo', () => ctx.echo(...args), undefined)
    if (r.ok) {
      const want = structuredClone(args)
      if (!Array.isArray(r.value) || r.value.length !== want.length || r.value.some((v, i) => !Object.is(v, want[i]))) {
        violation('echo-mismatch', { args: args.map(String), got: Array.isArray(r.value) ? r.value.map(String) : typeof r.value })
      }
    } else violation('echo-failed', { error: String(r.error) })
  },
}
