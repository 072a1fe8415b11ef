// Deep and wide kernels through compileKernel, parallelMap, parallelMapSync
// and spawn, on the default pool and on a pool with 64 KiB stacks. Oracle:
// each call returns/resolves or fails with ERR_UNSUPPORTED_KERNEL or
// ERR_KERNEL_STACK_OVERFLOW; where V8 itself can run the kernel, the results
// agree with V8 (Object.is per element, after the output conversion; spawn's
// result is the exact JS value, booleans and undefined included).

import { deepKernel, wideKernel } from '../kernels.mjs'
import { EDGE_NUMBERS } from '../hostile.mjs'
import { callAsync, callSync, step, violation } from '../oracle.mjs'

const KERNEL_CODES = new Set(['ERR_UNSUPPORTED_KERNEL', 'ERR_KERNEL_STACK_OVERFLOW'])
const OUTPUTS = { float64: Float64Array, float32: Float32Array, int32: Int32Array, uint32: Uint32Array, uint8: Uint8Array }

/** Picks a kernel: deep (nesting up to ~10^6) or wide (up to ~4·10^5 arguments/locals/functions). */
export function pickKernel(rng, scale) {
  if (rng.chance(0.6)) return deepKernel(rng, rng.logInt(1, Math.max(2, Math.round(1e6 * scale))))
  return wideKernel(rng, rng.logInt(1, Math.max(2, Math.round(4e5 * scale))))
}

/** V8's own version of the kernel, or null where V8 cannot build it. */
function reference(k) {
  if (!k.small) return null
  try {
    return new Function(`return (${k.source})`)()
  } catch {
    return null
  }
}

function refValue(fn, args, Ctor) {
  try {
    const v = Number(fn(...args))
    return { v: new Ctor([v])[0] }
  } catch {
    return null // V8 overflowed its own stack: no reference
  }
}

function exactValue(fn, args) {
  try {
    return { v: fn(...args) }
  } catch {
    return null // V8 overflowed its own stack: no reference
  }
}

function column(rng, n) {
  const a = new Float64Array(n)
  for (let i = 0; i < n; i++) a[i] = rng.chance(0.5) ? rng.pick(EDGE_NUMBERS) : rng.int(-3, 12) + rng.pick([0, 0.5, 0.25])
  return a
}

export const kernelCase = {
  name: 'kernel',
  steps: 40,
  async setup(ctx) {
    const { Pool } = ctx.np
    ctx.smallStackPool = new Pool({ threads: 2, stackSize: 65536 })
  },
  async teardown(ctx) {
    await ctx.smallStackPool.close()
  },
  async run(rng, ctx, index) {
    const np = ctx.np
    const k = pickKernel(rng, ctx.scale)
    const target = rng.pick(['compileKernel', 'parallelMap', 'parallelMapSync', 'spawn'])
    const onSmall = rng.chance(0.5)
    const pool = onSmall ? ctx.smallStackPool : undefined
    const output = rng.chance(0.7) ? 'float64' : rng.pick(Object.keys(OUTPUTS))
    const asFunction = k.small && rng.chance(0.5)
    const ref = reference(k)
    const fn = asFunction && ref ? ref : k.source
    const label = `#${index} ${k.shape} n=${k.size} via ${target}${onSmall ? ' on Pool{stackSize:65536}' : ''} (${k.source.length} chars)`
    step(label)
    if (target === 'compileKernel') {
      callSync('compileKernel', () => np.compileKernel(fn, { inputs: k.args }), KERNEL_CODES)
      return
    }
    if (target === 'spawn') {
      const args = Array.from({ length: k.args }, () => rng.pick(EDGE_NUMBERS))
      const params = rng.chance(0.15) ? Object.fromEntries(Array.from({ length: rng.logInt(1, 20000) }, (_, j) => [`q${j}`, j])) : undefined
      const r = await callAsync('spawn', () => np.spawn(fn, args, { pool, params }), KERNEL_CODES, 120000)
      if (r.ok && ref) {
        // spawn resolves to the JS value itself (a boolean, undefined or a number).
        const want = exactValue(ref, args)
        if (want && !Object.is(want.v, r.value)) violation('mismatch', { call: 'spawn', args, want: String(want.v), got: String(r.value) })
      }
      return
    }
    const len = rng.chance(0.8) ? rng.int(1, 40) : rng.int(1000, 20000)
    const cols = Array.from({ length: k.args }, () => column(rng, len))
    const input = k.args === 1 && rng.chance(0.5) ? cols[0] : cols
    // Sometimes many unused params (a wide constant table).
    const opts = { output }
    if (rng.chance(0.15)) opts.params = Object.fromEntries(Array.from({ length: rng.logInt(1, 20000) }, (_, j) => [`q${j}`, j]))
    let r
    if (target === 'parallelMapSync') {
      r = callSync('parallelMapSync', () => np.parallelMapSync(input, fn, opts), KERNEL_CODES)
    } else {
      r = await callAsync('parallelMap', () => np.parallelMap(input, fn, pool ? { ...opts, pool } : opts), KERNEL_CODES, 120000)
    }
    if (!r.ok || !ref) return
    const out = r.value
    if (!(out instanceof OUTPUTS[output]) || out.length !== len) {
      violation('wrong-shape', { call: target, output, got: Object.prototype.toString.call(out), length: out?.length, want: len })
      return
    }
    for (let i = 0; i < len; i++) {
      const want = refValue(ref, [...cols.map((c) => c[i]), i], OUTPUTS[output])
      if (want && !Object.is(want.v, out[i])) {
        violation('mismatch', { call: target, output, element: i, inputs: cols.map((c) => c[i]), want: want.v, got: out[i] })
        return
      }
    }
  },
}
