// The generated binding (`binding.js`) called directly, as a hostile caller
// would: hand-built task arguments (`{ id, timeout: 1e308 }`, reused and
// absurd ids, closed or fake pools), wrong argument types, NativeMemo with a
// scratch Buffer whose memory JS then transfers away. These are internal
// exports, so any thrown error is accepted; the oracle is that the process
// neither crashes nor hangs (it must exit on its own: no leaked pending task).

import { EDGE_NUMBERS, detachedView, hostileOptions, hostileScalar, hostileString, hostileValue, trapProxy } from '../hostile.mjs'
import { callSync, step } from '../oracle.mjs'

const ANY = 'any'
const TIMEOUTS = [1e308, -1, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, 0, 1, 50, 1e12, -0, 5e-324]

function taskArg(rng, ctx) {
  const id = rng.chance(0.7) ? ctx.native.reserveTaskIds(1) : rng.pick([...EDGE_NUMBERS, ctx.lastId ?? 0])
  ctx.lastId = id
  switch (rng.int(0, 6)) {
    case 0:
      return id
    case 1:
      return { id, timeout: rng.pick(TIMEOUTS) }
    case 2:
      return { id, timeout: rng.pick(TIMEOUTS), pool: rng.pick([ctx.pool, ctx.closedPool, {}, hostileValue(rng)]) }
    case 3:
      return trapProxy(rng, { id })
    case 4:
      return hostileOptions(rng, ['id', 'timeout', 'pool'], { id: [id], timeout: TIMEOUTS, pool: [ctx.pool, ctx.closedPool] })
    default:
      return hostileValue(rng)
  }
}

function input(rng) {
  return rng.pick([
    () => 'a,b\nc',
    () => Buffer.from('a\0b,c'),
    () => detachedView(rng),
    () => hostileValue(rng),
    () => '\uD800,\uDC00',
    // Big enough for the async scans' in-place SharedArrayBuffer path (>= 64 KiB).
    () => new Uint8Array(new SharedArrayBuffer(rng.pick([65536, 70001]))).fill(rng.pick([10, 44, 0])),
  ])()
}

const CALLS = [
  ['pingAsync', (rng, ctx, n) => n.pingAsync(taskArg(rng, ctx), rng.pick(EDGE_NUMBERS))],
  ['pingTestAsync', (rng, ctx, n) => n.internal.pingTestAsync(taskArg(rng, ctx), 1, rng.chance(0.5) ? rng.pick([true, false]) : hostileScalar(rng), rng.pick([0, 1, 5, -1, NaN, -0, 'x', undefined]))],
  ['splitAsync', (rng, ctx, n) => n.splitAsync(taskArg(rng, ctx), input(rng), rng.pick([',', ['\n', ','], '', hostileValue(rng)]), hostileOptions(rng, ['limit', 'chunkSize', 'trim'], { limit: [1, 2 ** 32] }))],
  ['countLinesAsync', (rng, ctx, n) => n.countLinesAsync(taskArg(rng, ctx), input(rng), hostileOptions(rng, ['chunkSize'], { chunkSize: [16, 0] }))],
  ['findAllAsync', (rng, ctx, n) => n.findAllAsync(taskArg(rng, ctx), input(rng), rng.pick([[','], [''], hostileValue(rng)]), undefined)],
  ['hashAsync', (rng, ctx, n) => n.hashAsync(taskArg(rng, ctx), rng.pick([['a', Buffer.from('b')], [detachedView(rng)], hostileValue(rng)]), rng.pick(['xxh3', 'crc32', 'sha256', hostileString(rng)]))],
  ['parallelMapAsync', (rng, ctx, n) => n.parallelMapAsync(taskArg(rng, ctx), rng.pick([[new Float64Array(9)], [detachedView(rng)], [], hostileValue(rng)]), rng.pick(['x => x + 1', 'sqrt', hostileString(rng)]), hostileOptions(rng, ['params', 'output', 'chunkSize'], { output: ['uint8'], chunkSize: [1] }))],
  ['spawnAsync', (rng, ctx, n) => n.spawnAsync(taskArg(rng, ctx), rng.pick(['(a) => a * 2', '() => { let s = 0; for (let i = 0; i < 1e5; i++) s += i; return s }', hostileString(rng)]), rng.pick([[1], [], hostileValue(rng)]), undefined)],
  ['spawnKernel', (rng, ctx, n) => {
    // The spawn hot path's handle table: stale, released, foreign and absurd handles.
    const h = n.compileSpawnKernel(rng.pick(['(a) => a * 2', '(a, b, c, d) => a + b + c + d', '() => 1', hostileString(rng)]), rng.pick([0, 1, 4, 5, -1, NaN, 2 ** 32, hostileScalar(rng)]))
    if (rng.chance(0.4)) n.releaseSpawnKernel(rng.pick([h, h + 1, -1, NaN, 2 ** 32, hostileScalar(rng)]))
    return n.spawnKernelAsync(taskArg(rng, ctx), rng.pick([h, h + 1, 0, -1, NaN, 2 ** 32, hostileScalar(rng)]), rng.pick(EDGE_NUMBERS), rng.pick([undefined, null, 1, hostileScalar(rng)]))
  }],
  ['powExactness', (_rng, _ctx, n) => n.internal.powExactness()],
  ['cancelTask', (rng, ctx, n) => n.cancelTask(rng.pick([0, 1, 7, 2 ** 32, -1, NaN, ...EDGE_NUMBERS]), rng.pick([ctx.lastId ?? 0, ...EDGE_NUMBERS]))],
  ['taskStatus', (rng, ctx, n) => n.taskStatus(rng.pick([0, 1, 2 ** 31, -1, NaN]), rng.pick([ctx.lastId ?? 0, ...EDGE_NUMBERS]))],
  ['reserveTaskIds', (rng, _ctx, n) => n.reserveTaskIds(rng.pick([0, 1, 2 ** 32, -1, NaN, 1e308, 2 ** 53]))],
  ['pendingTaskCount', (_rng, _ctx, n) => n.pendingTaskCount()],
  ['compileKernel', (rng, _ctx, n) => n.compileKernel(rng.pick(['x => x', hostileString(rng)]), rng.pick([[], ['a\0b'], ['x'], hostileValue(rng)]), rng.pick([1, 0, -1, 2 ** 32, 1e308, NaN, 70000, hostileScalar(rng)]))],
  ['hashSync', (rng, _ctx, n) => n.hashSync(rng.pick([['a'], [detachedView(rng)], hostileValue(rng)]), rng.pick(['xxh3', hostileString(rng)]))],
  ['splitSync', (rng, _ctx, n) => n.splitSync(input(rng), rng.pick([',', [], [''], hostileValue(rng)]), hostileOptions(rng, ['limit', 'chunkSize', 'skipEmpty'], { chunkSize: [16, 1, 2 ** 53] }))],
  ['countLinesSync', (rng, _ctx, n) => n.countLinesSync(input(rng), hostileOptions(rng, ['chunkSize'], { chunkSize: [16, 1] }))],
  ['findAllSync', (rng, _ctx, n) => n.findAllSync(input(rng), rng.pick([[','], ['a', 'a'], hostileValue(rng)]), undefined)],
  ['parallelMapSync', (rng, _ctx, n) => n.parallelMapSync(rng.pick([[new Float64Array(3)], [new Float64Array(3), new Float64Array(2)], hostileValue(rng)]), rng.pick(['(x, i) => x + i', 'floor', hostileString(rng)]), hostileOptions(rng, ['params', 'output', 'chunkSize'], { params: [{ a: 1 }], chunkSize: [0, 1, 2 ** 32] }))],
  ['poolStats', (_rng, _ctx, n) => n.poolStats()],
  ['NativeMemo', (rng, ctx, n) => {
    const m = rng.chance(0.5) ? new n.NativeMemo(hostileOptions(rng, ['maxEntries', 'maxBytes', 'ttl', 'name'], { maxEntries: [1, 4], ttl: [0, 1e308] })) : n.NativeMemo.shared(rng.pick(['fzn', hostileString(rng)]))
    const scratch = rng.pick([() => Buffer.alloc(64), () => Buffer.alloc(rng.int(0, 16)), () => detachedView(rng), () => hostileValue(rng)])()
    const f = m.fast(scratch)
    // Take the scratch's memory away from the native side, then use the functions.
    if (scratch?.buffer instanceof ArrayBuffer && rng.chance(0.5)) structuredClone(scratch.buffer, { transfer: [scratch.buffer] })
    if (rng.chance(0.3)) globalThis.gc?.()
    const keys = ['k', 1, 2n, Buffer.from('k'), '\uD800']
    for (let i = 0; i < 20; i++) {
      const key = rng.chance(0.8) ? rng.pick(keys) : hostileValue(rng)
      try {
        if (rng.chance(0.4)) f.set(key, rng.pick(['v'.repeat(rng.int(0, 300)), 1.5, null, true, hostileScalar(rng)]), rng.pick([undefined, 0, 1e308, NaN, -1]))
        else if (rng.chance(0.3)) f.setEncoded(key, rng.pick([Buffer.alloc(8), detachedView(rng), hostileValue(rng)]), rng.pick([0, 8, 1e9, -1, NaN]))
        else if (rng.chance(0.2)) f.getCopy(key)
        else f.get(key)
      } catch {}
    }
    const fill = Buffer.alloc(1 << 16, 0x5a)
    for (const b of fill) if (b !== 0x5a) throw new Error('an unrelated Buffer was overwritten')
    return m.stats()
  }],
]

// FUZZ_SKIP_CALLS=a,b leaves those calls out (for triage: which call corrupts what). A skipped call
// changes what the other calls draw, so compare whole runs, not single steps.
const SKIP = new Set((process.env.FUZZ_SKIP_CALLS ?? '').split(',').filter(Boolean))
const ENABLED = CALLS.filter(([name]) => !SKIP.has(name))

export const nativeCase = {
  name: 'native',
  steps: 30,
  async setup(ctx) {
    ctx.pool = new ctx.native.Pool({ threads: 2 })
    ctx.closedPool = new ctx.native.Pool({ threads: 1 })
    await ctx.closedPool.close()
  },
  async teardown(ctx) {
    await ctx.pool.close()
  },
  async run(rng, ctx, index) {
    const calls = rng.int(5, 25)
    for (let c = 0; c < calls; c++) {
      const [name, call] = rng.pick(ENABLED)
      step(`#${index}.${c} native.${name}`)
      callSync(name, () => call(rng, ctx, ctx.native), ANY)
    }
    await new Promise((resolve) => setImmediate(resolve))
  },
}
