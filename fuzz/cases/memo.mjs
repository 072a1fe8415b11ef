// Memo and memoize against a Map model. Keys and values hold lone
// surrogates (every JS string must round-trip exactly, WTF-16), values have
// every supported kind and re-entrant getters that write to the same Memo
// while it encodes them. Oracle: after each operation the Memo agrees with
// the model (`util.isDeepStrictEqual` against an independent copy), an
// overwrite is not an eviction, and failures are coded errors.

import { isDeepStrictEqual } from 'node:util'

import { FuzzTrap, badError, describeError, step, violation } from '../oracle.mjs'

const STRINGS = ['', 'a', '\uD800', '\uDC00', '\uD800\uDC00', '\uDC00\uD800', 'a\uD800b', '\uDBFF', '\uDFFF', 'x\0y', '\0', 'é', '😀', '\uFFFD', '\uD83D', '\uDE00']
const KEYS = [...STRINGS, 0, 1, -5, 1.5, 2 ** 53, 1e308, Infinity, -Infinity, 0n, -1n, 2n ** 70n, 'k1', '1']

function modelKey(k) {
  if (Buffer.isBuffer(k)) return `b:${k.toString('hex')}`
  return `${typeof k}:${String(k)}`
}

function randomKey(rng) {
  if (rng.chance(0.15)) return Buffer.from(rng.pick(['k', '', '\0\xff', 'k1']), 'latin1')
  if (rng.chance(0.3)) return rng.pick(STRINGS) + rng.pick(STRINGS)
  return rng.pick(KEYS)
}

function randomString(rng) {
  let s = ''
  const n = rng.int(0, 4)
  for (let i = 0; i < n; i++) s += rng.chance(0.5) ? rng.pick(STRINGS) : String.fromCharCode(rng.int(0xd700, 0xe000))
  return s
}

/** A random storable value (no getters) and an independent copy of what `get` must return. */
function randomValue(rng, depth = 0) {
  switch (rng.int(0, depth >= 3 ? 6 : 9)) {
    case 0:
      return randomString(rng)
    case 1:
      return rng.pick([0, -0, NaN, 1.5, -1e308, Infinity, 2 ** 31, 5e-324])
    case 2:
      return rng.pick([true, false, null, undefined])
    case 3:
      return rng.pick([0n, -(2n ** 64n), 10n ** 30n])
    case 4:
      return Buffer.from(randomString(rng), 'utf16le')
    case 5:
      return rng.pick([() => new Float64Array([NaN, -0, 1]), () => new Uint16Array([0xd800, 0xdc00]), () => new Int8Array(0), () => new ArrayBuffer(3), () => new Date(rng.int(-1e12, 1e12)), () => new BigInt64Array([-1n])])()
    case 6:
      return randomString(rng).repeat(rng.int(1, 50))
    case 7:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1))
    default: {
      const o = {}
      for (let i = rng.int(0, 4); i > 0; i--) o[randomString(rng) || 'p'] = randomValue(rng, depth + 1)
      return o
    }
  }
}

/** An independent copy of `v` with the same kinds (what Memo must give back). */
function copy(v) {
  if (Buffer.isBuffer(v)) return Buffer.from(v)
  if (ArrayBuffer.isView(v)) return new v.constructor(v)
  if (v instanceof ArrayBuffer) return v.slice(0)
  if (v instanceof Date) return new Date(v.getTime())
  if (Array.isArray(v)) return v.map(copy)
  if (v !== null && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v)) o[k] = copy(v[k])
    return o
  }
  return v
}

export const memoCase = {
  name: 'memo',
  steps: 30,
  async run(rng, ctx, index) {
    const { Memo, memoize } = ctx.np
    const name = `fuzz-${ctx.seed}-${index}`
    const memo = rng.chance(0.5) ? new Memo({ maxEntries: 1e6 }) : Memo.shared(name, { maxEntries: 1e6 })
    const model = new Map() // modelKey → expected value
    const ops = rng.int(20, 120)
    const check = (where, key) => {
      const mk = modelKey(key)
      let got
      try {
        got = memo.get(key)
      } catch (err) {
        violation('memo-get-threw', { where, key: mk, error: describeError(err) })
        return
      }
      const want = model.has(mk) ? model.get(mk) : undefined
      if (!isDeepStrictEqual(got, want)) violation('memo-mismatch', { where, key: mk, want: String(want), got: String(got) })
      if (memo.has(key) !== model.has(mk)) violation('memo-has', { where, key: mk, want: model.has(mk) })
    }
    const attemptSet = (where, key, value, expected, after) => {
      try {
        memo.set(key, value)
        after()
        model.set(modelKey(key), expected)
      } catch (err) {
        const why = badError(err)
        if (why) violation('bad-error', { call: where, why, error: describeError(err) })
        return false
      }
      return true
    }
    for (let op = 0; op < ops; op++) {
      const key = randomKey(rng)
      const r = rng.int(0, 11)
      step(`#${index}.${op} memo op ${r} key ${modelKey(key)}`)
      if (r <= 3) {
        const v = randomValue(rng)
        attemptSet('set', key, v, copy(v), () => {})
      } else if (r === 4) {
        // A re-entrant getter: while set() encodes the value, it writes another key of the same Memo.
        const other = randomKey(rng)
        const inner = randomValue(rng)
        const innerCopy = copy(inner)
        const ret = randomValue(rng)
        let innerDone = false
        const v = { before: randomString(rng) }
        Object.defineProperty(v, 'g', {
          enumerable: true,
          get() {
            memo.set(other, inner)
            innerDone = true
            return ret
          },
        })
        const expected = { before: v.before, g: copy(ret) }
        innerDone = false
        const ok = attemptSet('re-entrant set', key, v, expected, () => {
          if (innerDone) model.set(modelKey(other), innerCopy)
        })
        if (!ok) {
          // Rejected: re-synchronise both keys with the model.
          memo.delete(key)
          memo.delete(other)
          model.delete(modelKey(key))
          model.delete(modelKey(other))
        }
        check('after re-entrant set (outer key)', key)
        check('after re-entrant set (inner key)', other)
      } else if (r === 5) {
        // A getter that throws: the set fails with our error and the entry is unchanged or gone.
        const v = {}
        Object.defineProperty(v, 'bad', { enumerable: true, get: () => { throw new FuzzTrap('value getter') } })
        try {
          memo.set(key, v)
          violation('set-swallowed-throw', { key: modelKey(key) })
        } catch (err) {
          if (!(err instanceof FuzzTrap) && badError(err)) violation('bad-error', { call: 'set (throwing getter)', error: describeError(err) })
        }
        memo.delete(key)
        model.delete(modelKey(key))
      } else if (r === 6) {
        const removed = memo.delete(key)
        if (removed !== model.has(modelKey(key))) violation('memo-delete', { key: modelKey(key), want: model.has(modelKey(key)), got: removed })
        model.delete(modelKey(key))
      } else if (r === 7) {
        const keys = [key, randomKey(rng), key]
        const got = memo.getMany(keys)
        const want = keys.map((k) => (model.has(modelKey(k)) ? model.get(modelKey(k)) : undefined))
        if (!isDeepStrictEqual(got, want)) violation('memo-getMany', { keys: keys.map(modelKey) })
      } else if (r === 8) {
        // memoize: distinct lone-surrogate strings are distinct keys, equal ones hit the cache.
        let calls = 0
        const f = memoize((s) => ({ s, n: calls++ }), { memo: new Memo({ maxEntries: 1e5 }) })
        const seen = new Map()
        for (let i = 0; i < 12; i++) {
          const s = rng.pick(STRINGS) + rng.pick(STRINGS)
          const got = f(s)
          if (got.s !== s) violation('memoize-wrong-result', { arg: [...s].map((c) => c.charCodeAt(0)), got: [...String(got.s)].map((c) => c.charCodeAt(0)) })
          if (seen.has(s) && !isDeepStrictEqual(got, seen.get(s))) violation('memoize-not-cached', { arg: [...s].map((c) => c.charCodeAt(0)) })
          seen.set(s, got)
        }
        if (calls !== seen.size) violation('memoize-calls', { calls, distinct: seen.size })
      } else if (r === 9 && rng.chance(0.3)) {
        // Reach into the Memo's private scratch (or its generation table), transfer its memory away and
        // let the clone be collected, then make the native side write: no other memory may change and
        // the process must survive. The Memo's private state is broken now, so any thrown Error is
        // accepted, the model is no longer checked and the step ends here.
        const target = rng.pick(['_s', '_gens', '_nearHits'])
        const view = memo[target]
        if (!ArrayBuffer.isView(view) || !(view.buffer instanceof ArrayBuffer)) continue // not reachable (any more)
        step(`#${index}.${op} transfer memo.${target}.buffer away`)
        try {
          structuredClone(view.buffer, { transfer: [view.buffer] })
        } catch {
          continue // not transferable: nothing was taken
        }
        globalThis.gc?.()
        const fillers = Array.from({ length: 64 }, () => Buffer.allocUnsafeSlow(view.byteLength || 64).fill(0x5a))
        const big = 'w'.repeat(rng.int(100, 5000))
        for (let i = 0; i < 20; i++) {
          for (const call of [() => memo.set(key, big), () => memo.get(key), () => memo.getMany([key, 1])]) {
            try {
              call()
            } catch (err) {
              if (!(err instanceof Error)) violation('bad-error', { call: 'Memo after its scratch was taken', why: 'a non-Error was thrown' })
            }
          }
        }
        for (const f of fillers) {
          if (f.some((b) => b !== 0x5a)) {
            violation('memory-overwritten', { note: `an unrelated Buffer changed after memo.${target}.buffer was transferred` })
            break
          }
        }
        try {
          memo.clear()
        } catch {}
        Memo.dropShared(name)
        return
      } else {
        check('get', key)
        check('get again (near cache)', key)
      }
    }
    for (const k of KEYS) check('final', k)
    if (memo.size !== model.size) violation('memo-size', { want: model.size, got: memo.size })
    const stats = memo.stats()
    if (stats.evictions !== 0) violation('memo-evictions', { want: 0, got: stats.evictions, note: 'maxEntries 1e6: nothing may be evicted; overwrites are not evictions' })
    memo.clear()
    Memo.dropShared(name)
  },
}
