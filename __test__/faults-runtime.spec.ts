// Issue 13, the pool/task runtime's items: panics nothing caught (3),
// submit during close (5), worker termination (6, 7), async functions
// throwing (12), codeless errors (13), sync calls holding memory (14).
// Crashes and hangs run in a child process, checked for signal, status and time.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import * as native from '../binding.js'
import { countLines, countLinesSync, findAll, findAllSync, parallelMap, ping, spawn, split, splitSync, TaskHandle } from '../index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Runs a fixture in a child process; returns its result, JSON output and elapsed ms. */
function run(name: string, args: string[] = [], env: Record<string, string> = {}, timeout = 60_000) {
  const start = Date.now()
  const r = spawnSync(process.execPath, [fixture(name), ...args], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
  })
  const ms = Date.now() - start
  const line = r.stdout.trim().split('\n').pop() ?? ''
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(line)
  } catch {
    // left empty: the assertions on it fail with the output in the message
  }
  return { r, ms, json }
}

test('item 3: NUL thread names and huge timeouts throw coded errors; nothing aborts or stays pending', (t) => {
  const { r, ms, json } = run('runtime-hostile.cjs', [], {}, 30_000)
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(ms < 20_000, `took ${ms} ms`)
  t.deepEqual(json['Pool threadName NUL'], ['threw', 'TypeError', 'ERR_INVALID_ARG_VALUE'])
  t.deepEqual(json['configure threadName NUL'], ['threw', 'TypeError', 'ERR_INVALID_ARG_VALUE'])
  t.deepEqual(json.poolStats, ['ok', null, null])
  t.deepEqual(json.parallelMapSync, ['ok', null, null])
  t.deepEqual(json.parallelMap, [2, 4])
  for (const timeout of ['1e+308', 'Infinity', '-1', 'NaN', '2147483648']) {
    for (const fn of ['pingAsync', 'splitAsync', 'spawnAsync', 'countLinesAsync']) {
      t.deepEqual(json[`${fn} timeout ${timeout}`], ['threw', 'RangeError', 'ERR_OUT_OF_RANGE'], `${fn} ${timeout}`)
    }
  }
  t.deepEqual(json['pingAsync timeout string'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['pingAsync id 0'], ['threw', 'RangeError', 'ERR_OUT_OF_RANGE'])
  t.deepEqual(json['pingAsync id NaN'], ['threw', 'RangeError', 'ERR_OUT_OF_RANGE'])
  t.deepEqual(json['pingAsync pool not a Pool'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['pingAsync task string'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['pingAsync value missing'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['splitAsync pool not a Pool'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['attachSettler again'], ['threw', 'Error', 'ERR_NAPI_PARALLEL_INTERNAL'])
  t.deepEqual(json['taskStatus junk'], ['ok', null, null])
  t.deepEqual(json['cancelTask junk'], ['ok', null, null])
  t.deepEqual(json['taskStatus strings'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.deepEqual(json['cancelTask strings'], ['threw', 'TypeError', 'ERR_INVALID_ARG_TYPE'])
  t.is(json['pingTestAsync spin cancelled'], true)
  t.is(json.pending, 0)
})

test('item 5: tasks submitted while close() runs either run or reject with ERR_POOL_CLOSED', (t) => {
  const rounds = 300
  const { r, ms, json } = run('runtime-close-race.cjs', [String(rounds)], {}, 90_000)
  t.is(r.signal, null, `hung or crashed after ${ms} ms: ${r.stderr}`)
  t.is(r.status, 0, r.stderr)
  t.is(json.rounds, rounds, r.stdout)
  t.is(json.other, 0)
  t.is(json.refused, rounds, 'each round stops at its first refusal')
  t.true((json.resolved as number) >= rounds * 8, 'the tasks queued before close() all ran')
})

test('item 6: a terminated worker cancels its endless spawn() tasks; the main thread gets the pool back', (t) => {
  const { r, ms, json } = run('runtime-terminate-spawn.cjs', [], { NAPI_PARALLEL_THREADS: '2' }, 30_000)
  t.is(r.signal, null, `hung or crashed after ${ms} ms: ${r.stderr}`)
  t.is(r.status, 0, r.stderr)
  t.is(json.waited, 'ok', 'the worker filled the pool')
  t.is(json.busy, json.threads, 'every pool thread was held by the worker')
  t.is(json.value, 42)
  t.true(ms < 20_000, `took ${ms} ms`)
})

test('item 7: a worker inside a never-ending parallelMapSync can be terminated', (t) => {
  const { r, ms, json } = run('runtime-terminate-sync.cjs', ['terminate'], {}, 30_000)
  t.is(r.signal, null, `hung or crashed after ${ms} ms: ${r.stderr}`)
  t.is(r.status, 0, r.stderr)
  t.is(json.waited, 'ok')
  t.is(json.code, 1, 'exit code of a terminated worker')
  t.true((json.ms as number) < 5_000, `terminate() took ${json.ms} ms`)
})

test('item 7: process.exit() with a worker inside a never-ending parallelMapSync exits', (t) => {
  const { r, ms } = run('runtime-terminate-sync.cjs', ['exit'], {}, 30_000)
  t.is(r.signal, null, `hung or crashed after ${ms} ms: ${r.stderr}`)
  t.is(r.status, 0, r.stderr)
  t.true(ms < 15_000, `took ${ms} ms`)
})

const boom = new Error('boom')
const hostileOptions = (): Array<[string, () => object]> => [
  [
    'throwing getter',
    () =>
      Object.defineProperty({}, 'timeout', {
        get() {
          throw boom
        },
      }),
  ],
  [
    'Proxy that throws',
    () =>
      new Proxy(
        {},
        {
          get() {
            throw boom
          },
        },
      ),
  ],
  [
    'revoked Proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      return proxy
    },
  ],
  ['Proxy of an AbortSignal', () => ({ signal: new Proxy(new AbortController().signal, {}) })],
  [
    'signal whose addEventListener throws',
    () => ({
      signal: new Proxy(new AbortController().signal, {
        get(target, key) {
          if (key === 'addEventListener') {
            return () => {
              throw boom
            }
          }
          const v = Reflect.get(target, key, target)
          return typeof v === 'function' ? v.bind(target) : v
        },
      }),
    }),
  ],
]

/**
 * Waits (yielding to the event loop, bounded) until no native task entry is
 * pending: a task cancelled while running keeps its entry until its job
 * notices, which on a loaded machine can outlast the rejection. "Nothing
 * stays pending" is the property; "at once" is not.
 */
async function nonePendingSoon(limitMs = 10_000): Promise<number> {
  const until = Date.now() + limitMs
  while (native.pendingTaskCount() > 0 && Date.now() < until) await new Promise((resolve) => setImmediate(resolve))
  return native.pendingTaskCount()
}

// Serial: it counts the process's pending tasks, which a concurrent test's tasks would change.
test.serial('item 12: async functions never throw on hostile options; they reject', async (t) => {
  const calls: Array<[string, (o: never) => PromiseLike<unknown>]> = [
    ['ping', (o) => ping(1, o)],
    ['split', (o) => split('a,b', ',', o)],
    ['countLines', (o) => countLines('a\nb', o)],
    ['findAll', (o) => findAll('abc', ['b'], o)],
    ['spawn', (o) => spawn((x: number) => x, [1], o)],
    ['parallelMap', (o) => parallelMap([1, 2], (x: number) => x, o)],
  ]
  for (const [what, make] of hostileOptions()) {
    for (const [name, call] of calls) {
      let handle: PromiseLike<unknown> | undefined
      t.notThrows(() => {
        handle = call(make() as never)
      }, `${name} with a ${what}`)
      t.true(handle instanceof TaskHandle, `${name} with a ${what}`)
      // split('a,b', ',') is settled in JS at once: it never listens to the signal.
      if (what.includes('AbortSignal') || (name === 'split' && what.includes('addEventListener'))) {
        // Node's AbortSignal works through a plain Proxy: the task just runs.
        t.is((await Promise.allSettled([Promise.resolve(handle!)]))[0].status, 'fulfilled', `${name} with a ${what}`)
        continue
      }
      const err = await t.throwsAsync(Promise.resolve(handle!), undefined, `${name} with a ${what}`)
      if (what.includes('throw')) t.is(err, boom, `${name} with a ${what}`)
      else t.true(err instanceof TypeError, `${name} with a ${what}: ${err?.message}`)
    }
  }
  t.is(await nonePendingSoon(), 0)
})

const detached = () => {
  const u8 = new Uint8Array(new ArrayBuffer(16))
  structuredClone(u8.buffer, { transfer: [u8.buffer] })
  return u8
}

test('item 13: a detached buffer is a coded TypeError naming the argument, async and sync', async (t) => {
  const code = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }
  for (const [name, p] of [
    ['split', split(detached(), ',')],
    ['split offsets', split(detached(), ',', { output: 'offsets' })],
    ['countLines', countLines(detached())],
    ['findAll', findAll(detached(), ['a'])],
  ] as const) {
    const err = await t.throwsAsync(p, code, name)
    t.regex(err!.message, /"input"/)
  }
  t.throws(() => splitSync(detached(), ','), code)
  t.throws(() => countLinesSync(detached()), code)
  t.throws(() => findAllSync(detached(), ['a']), code)
  const d = t.throws(() => splitSync('abc', detached()), code)
  t.regex(d!.message, /"delimiter"/)
  // The native exports check too (reachable through binding.js).
  t.throws(() => native.splitSync(detached(), ',', undefined), code)
  t.throws(() => native.countLinesSync(detached(), undefined), code)
  t.throws(() => native.findAllSync('abc', [detached()], undefined), { ...code, message: /patterns\[0\]/ })
  // An empty, not detached, Buffer is still fine: same as ''.split(',').
  t.deepEqual(splitSync(Buffer.alloc(0), ','), [''])
  t.is(countLinesSync(new Uint8Array(0)), 0)
})

// Serial: it counts the process's pending tasks (see item 12).
test.serial('item 13: hand-built task arguments and ping values get coded errors', async (t) => {
  t.throws(() => native.pingAsync({ id: 5, timeout: 1e308 } as never, 1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /task\.timeout/ })
  t.throws(() => native.pingAsync({ id: 'x' } as never, 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /task\.id/ })
  t.throws(() => native.pingAsync(native.reserveTaskIds(1) as never, 'x' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"value"/ })
  t.throws(() => native.countLinesAsync({ id: 7, pool: 3 } as never, 'a', undefined), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /task\.pool/ })
  t.is(await nonePendingSoon(), 0)
})

test('item 14: sync calls in a loop that never yields do not hold their results', (t) => {
  const n = 200_000
  const { r, ms, json } = run('runtime-sync-memory.cjs', [String(n)], {}, 120_000)
  t.is(r.signal, null, `hung or crashed after ${ms} ms: ${r.stderr}`)
  t.is(r.status, 0, r.stderr)
  t.is(json.n, n)
  // Before: ~580 B a call for splitSync offsets and ~790 B for findAllSync
  // (≈110 and 150 MB here); now a few MB of ordinary heap growth.
  for (const name of ['countLinesSync', 'splitSyncOffsets', 'findAllSync']) {
    t.true((json[name] as number) < 40, `${name}: RSS grew ${json[name]} MB over ${n} calls`)
  }
})
