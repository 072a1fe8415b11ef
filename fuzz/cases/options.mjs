// Random arguments and option objects for every public export of the
// package root: wrong types, edge numbers, NUL bytes, lone surrogates,
// detached buffers, Proxies whose traps throw and throwing getters. Oracle
// (fuzz/oracle.mjs): sync exports return or throw a coded Error; async ones
// never throw synchronously and settle with a value or a coded Error.

import { EDGE_NUMBERS, detachedView, hostileOptions, hostileScalar, hostileString, hostileValue, trapProxy } from '../hostile.mjs'
import { FuzzTrap, callAsync, callSync, step } from '../oracle.mjs'

const KERNELS = ['sqrt', 'abs', (x) => x + 1, (x, i) => x * i, '(x) => { let s = 0; for (let k = 0; k < 100; k++) s += k; return s + x }', 'xxh3', 'crc32', 'sha256', 'nope', '']

function poolGood(ctx) {
  return [undefined, null, ...ctx.pools]
}

function signals() {
  return [AbortSignal.abort('fuzz'), AbortSignal.timeout(1), new AbortController().signal, undefined]
}

function taskOptions(rng, ctx, extraKeys = [], extraGood = {}) {
  return hostileOptions(rng, ['signal', 'timeout', 'pool', ...extraKeys], {
    signal: signals(),
    timeout: [0, 1, 50, 1000, 2 ** 31 - 1],
    pool: poolGood(ctx),
    ...extraGood,
  })
}

function numericInput(rng) {
  switch (rng.int(0, 9)) {
    case 0:
      return new Float64Array([1, 2, NaN, -0, Infinity])
    case 1:
      return Array.from({ length: rng.int(0, 50) }, () => rng.pick(EDGE_NUMBERS))
    case 2:
      return [new Float64Array(4), new Int32Array(4)]
    case 3:
      return [new Float64Array(4), new Int32Array(5)]
    case 4:
      return ['a', 'b\0', Buffer.from('\uD800')]
    case 5:
      return new Uint8Array(rng.int(0, 70000))
    case 6:
      return detachedView(rng)
    case 7:
      return [detachedView(rng), new Float64Array(0)]
    default:
      return hostileValue(rng)
  }
}

function text(rng) {
  switch (rng.int(0, 5)) {
    case 0:
      return 'a,b,,c\n\r\nd\0e'
    case 1:
      return Buffer.from('x\ny\nz,\uD800')
    case 2:
      return 'ab\uD800c\uDC00,'.repeat(rng.int(1, 3000))
    case 3:
      return detachedView(rng)
    default:
      return hostileValue(rng)
  }
}

function delimiter(rng) {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.pick([',', '\n', '\0', '', '\uD800', 'ab'])
    case 1:
      return [',', Buffer.from('\n'), rng.pick(['', '\uDC00', ','])]
    case 2:
      return Buffer.from(',')
    case 3:
      return detachedView(rng)
    default:
      return hostileValue(rng)
  }
}

function splitOpts(rng, ctx) {
  return taskOptions(rng, ctx, ['output', 'skipEmpty', 'trim', 'limit', 'chunkSize'], {
    output: ['strings', 'offsets', 'buffers'],
    skipEmpty: [true, false],
    trim: [true, false],
    limit: [0, 1, 5, 2 ** 32 - 1],
    chunkSize: [16, 17, 64, 1 << 20],
  })
}

function poolOpts(rng) {
  return hostileOptions(rng, ['threads', 'stackSize', 'threadName', 'maxQueue'], {
    threads: [1, 2],
    stackSize: [65536, 1 << 20, 4 << 20],
    threadName: ['fz', 'a\0b', 'x\0', '\uD800', ''],
    maxQueue: [1, 4, 1000],
  })
}

/** configure()'s worker-engine options (the default engine of the fuzz process; mild good values only). */
function workerPoolOpts(rng) {
  return hostileOptions(rng, ['workers', 'concurrentTasksPerWorker', 'idleTimeout', 'resourceLimits', 'setup', 'cancelGrace', 'threads'], {
    workers: [1, 2, 0, 1025, 1.5],
    concurrentTasksPerWorker: [1, 4, 0],
    idleTimeout: [Infinity, 60_000, -1, NaN],
    resourceLimits: [{ maxOldGenerationSizeMb: 512 }, { maxYoungGenerationSizeMb: 0 }, { maxOld: 1 }, 5, null],
    setup: ['./no-such-setup.cjs', '', 42, new URL('file:///no/such/setup.cjs')],
    cancelGrace: [100, 1000, -1, NaN],
    threads: [2, 0],
  })
}

function memoOpts(rng) {
  return hostileOptions(rng, ['maxEntries', 'maxBytes', 'ttl', 'name'], {
    maxEntries: [1, 10, 100000],
    maxBytes: [1, 64, 1 << 20],
    ttl: [0, 1, 1000, Infinity],
    name: ['m', 'a\0b', '\uD800'],
  })
}

/** The calls: [name, async?, make(rng, ctx) → () => result]. */
const CALLS = [
  ['new Pool', false, (rng, ctx) => () => {
    const p = new ctx.np.Pool(poolOpts(rng))
    ctx.pools.push(p)
    return p
  }],
  ['Pool#close', true, (rng, ctx) => {
    const p = rng.pick(ctx.pools)
    return p ? () => p.close() : () => Promise.resolve()
  }],
  ['Pool#stats', false, (rng, ctx) => () => rng.pick(ctx.pools)?.stats()],
  ['configure', false, (rng, ctx) => () => ctx.np.configure(poolOpts(rng))],
  ['configure (workers)', false, (rng, ctx) => () => ctx.np.configure(workerPoolOpts(rng))],
  ['poolStats', false, (_rng, ctx) => () => ctx.np.poolStats()],
  ['ping', true, (rng, ctx) => () => ctx.np.ping(rng.chance(0.5) ? rng.pick(EDGE_NUMBERS) : hostileScalar(rng), taskOptions(rng, ctx))],
  ['parallelMap', true, (rng, ctx) => () => ctx.np.parallelMap(numericInput(rng), rng.chance(0.7) ? rng.pick(KERNELS) : hostileValue(rng),
    taskOptions(rng, ctx, ['params', 'output', 'chunkSize'], mapGood()))],
  ['parallelMapSync', false, (rng, ctx) => () => ctx.np.parallelMapSync(numericInput(rng), rng.chance(0.7) ? rng.pick(KERNELS) : hostileValue(rng),
    hostileOptions(rng, ['params', 'output', 'chunkSize'], mapGood()))],
  ['spawn', true, (rng, ctx) => () => ctx.np.spawn(rng.chance(0.7) ? rng.pick(KERNELS) : hostileValue(rng),
    rng.chance(0.5) ? [rng.pick(EDGE_NUMBERS), true] : hostileValue(rng), taskOptions(rng, ctx, ['params'], mapGood()))],
  ['compileKernel', false, (rng, ctx) => () => ctx.np.compileKernel(rng.chance(0.7) ? rng.pick(KERNELS) : hostileValue(rng),
    hostileOptions(rng, ['params', 'inputs'], { params: mapGood().params, inputs: [1, 2, 0, 1e9, '5'] }))],
  ['split', true, (rng, ctx) => () => ctx.np.split(text(rng), delimiter(rng), splitOpts(rng, ctx))],
  ['splitSync', false, (rng, ctx) => () => ctx.np.splitSync(text(rng), delimiter(rng), splitOpts(rng, ctx))],
  ['countLines', true, (rng, ctx) => () => ctx.np.countLines(text(rng), taskOptions(rng, ctx, ['chunkSize'], { chunkSize: [16, 1000] }))],
  ['countLinesSync', false, (rng, ctx) => () => ctx.np.countLinesSync(text(rng), hostileOptions(rng, ['chunkSize'], { chunkSize: [16, 1000] }))],
  ['findAll', true, (rng, ctx) => () => ctx.np.findAll(text(rng), delimiter(rng), taskOptions(rng, ctx, ['chunkSize'], { chunkSize: [16, 1000] }))],
  ['findAllSync', false, (rng, ctx) => () => ctx.np.findAllSync(text(rng), delimiter(rng), hostileOptions(rng, ['chunkSize'], { chunkSize: [16] }))],
  // splitStream itself is synchronous (it may throw); iterating it is async.
  ['splitStream', true, (rng, ctx) => () => {
    const source = streamSource(rng)
    const delim = rng.chance(0.5) ? undefined : hostileString(rng)
    const opts = hostileOptions(rng, ['batchLines', 'maxLineLength'], { batchLines: [1, 1024], maxLineLength: [0, 3, 1e6] })
    return drainMade(() => ctx.np.splitStream(source, delim, opts))
  }],
  ['lineChunks', true, (rng, ctx) => () => {
    const opts = hostileOptions(rng, ['minBytes', 'maxBytes'], { minBytes: [1, 2, 1e6], maxBytes: [1, 3, 2 ** 40] })
    return drainMade(() => ctx.np.lineChunks(streamSource(rng), opts))
  }],
  ['new Memo', false, (rng, ctx) => () => {
    const m = new ctx.np.Memo(memoOpts(rng))
    ctx.memos.push(m)
    return m
  }],
  ['Memo.shared', false, (rng, ctx) => () => ctx.memos.push(ctx.np.Memo.shared(rng.chance(0.5) ? 'fz' : hostileString(rng), memoOpts(rng)))],
  ['Memo.dropShared', false, (rng, ctx) => () => ctx.np.Memo.dropShared(rng.chance(0.5) ? 'fz' : hostileValue(rng))],
  ['Memo#set', false, (rng, ctx) => () => rng.pick(ctx.memos)?.set(memoKey(rng), hostileValue(rng), hostileOptions(rng, ['ttl'], { ttl: [0, 5] }))],
  ['Memo#get', false, (rng, ctx) => () => rng.pick(ctx.memos)?.get(memoKey(rng))],
  ['Memo#has/delete', false, (rng, ctx) => () => rng.pick(ctx.memos)?.[rng.pick(['has', 'delete'])](memoKey(rng))],
  ['Memo#getMany', false, (rng, ctx) => () => rng.pick(ctx.memos)?.getMany(rng.chance(0.5) ? [memoKey(rng), memoKey(rng)] : hostileValue(rng))],
  ['Memo#setMany', false, (rng, ctx) => () => rng.pick(ctx.memos)?.setMany(rng.chance(0.5) ? [[memoKey(rng), hostileValue(rng)]] : hostileValue(rng))],
  ['Memo#stats', false, (rng, ctx) => () => rng.pick(ctx.memos)?.stats()],
  ['memoize', false, (rng, ctx) => () => {
    const f = ctx.np.memoize(rng.chance(0.7) ? (a) => [a] : hostileValue(rng), hostileOptions(rng, ['memo', 'key', 'ttl'], {
      memo: ctx.memos, key: [(a) => a, (a) => ({ a }), () => { throw new FuzzTrap('key resolver') }], ttl: [0, 10],
    }))
    return f(rng.chance(0.5) ? hostileString(rng) : hostileValue(rng))
  }],
  ['new AbortError', false, (rng, ctx) => () => new ctx.np.AbortError(hostileValue(rng), rng.chance(0.5) ? undefined : hostileString(rng))],
  ['TaskHandle#cancel', false, (rng, ctx) => () => {
    const h = ctx.np.ping(1)
    h.catch(() => {})
    return h.cancel(hostileValue(rng))
  }],
]

function mapGood() {
  return {
    params: [{ a: 1 }, { a: NaN, b: -0 }, { 'a\0': 1 }, trapProxy({ chance: () => false, pick: (xs) => xs[0] })],
    output: ['float64', 'float32', 'int32', 'uint32', 'uint8', 'float16'],
    chunkSize: [1, 3, 1024, 0, 2 ** 32],
  }
}

function memoKey(rng) {
  return rng.chance(0.6) ? rng.pick(['k', '\uD800', '\uDC00', 1, 2n, Buffer.from('k'), 'a\0b']) : hostileValue(rng)
}

function streamSource(rng) {
  const chunks = Array.from({ length: rng.int(0, 4) }, () => (rng.chance(0.7) ? rng.pick(['a\nb', '\r', '\n', Buffer.from([0xe2, 0x82]), Buffer.from([0xac, 10])]) : hostileValue(rng)))
  if (rng.chance(0.2)) return hostileValue(rng)
  // A hand-written iterator, not an async generator: `yield c` would await a
  // hostile chunk that looks like a thenable (a Proxy answering every get with a
  // function) and hang the source itself, which is not splitStream's fault.
  let i = 0
  return {
    [Symbol.asyncIterator]() {
      return this
    },
    next() {
      return Promise.resolve(i < chunks.length ? { value: chunks[i++], done: false } : { value: undefined, done: true })
    },
  }
}

/** Drains the iterator `make()` returns; a synchronous throw (validation) becomes the rejection. */
function drainMade(make) {
  let iterator
  try {
    iterator = make()
  } catch (err) {
    return Promise.reject(err)
  }
  return drain(iterator)
}

async function drain(iterator) {
  const out = []
  for await (const batch of iterator) out.push(batch)
  return out
}

// FUZZ_SKIP_CALLS=a,b leaves those calls out (for triage: which call corrupts what). A skipped call
// changes what the other calls draw, so compare whole runs, not single steps.
const SKIP = new Set((process.env.FUZZ_SKIP_CALLS ?? '').split(',').filter(Boolean))
const ENABLED = CALLS.filter(([name]) => !SKIP.has(name))

export const optionsCase = {
  name: 'options',
  steps: 30,
  async setup(ctx) {
    ctx.pools = []
    ctx.memos = []
  },
  async teardown(ctx) {
    for (const p of ctx.pools) await callAsync('Pool#close (teardown)', () => p.close())
  },
  async run(rng, ctx, index) {
    const pending = []
    const calls = rng.int(5, 25)
    for (let c = 0; c < calls; c++) {
      const [name, isAsync, make] = rng.pick(ENABLED)
      step(`#${index}.${c} ${name}`)
      let thunk
      try {
        thunk = make(rng, ctx) // building the hostile arguments never calls the addon
      } catch {
        continue
      }
      if (isAsync) pending.push(callAsync(name, thunk))
      else callSync(name, thunk)
      if (rng.chance(0.2)) await Promise.all(pending.splice(0))
    }
    await Promise.all(pending)
  },
}
