// Checks that hold on every supported Node (scripts/node-versions.mjs runs
// this file under Node 22, 24 and 26; `npm test` under the machine's node):
// `**` / `Math.pow` in kernels agree with this V8's own results (the pow V8
// computes changed in V8 13: Node 24+ take shortcuts for `y == 2` and
// `y == 0.5`, then glibc's pow), and the addon loads and works in the main
// thread and in a worker_thread.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { Memo, parallelMapSync, ping, splitSync } from '../index.js'

const LOAD_FIXTURE = fileURLToPath(new URL('./fixtures/node-versions-load.cjs', import.meta.url))

/** A seeded splitmix64 stream of uniform doubles in [0, 1). */
function uniform(seed: bigint) {
  const M = (1n << 64n) - 1n
  let s = seed
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M
    let z = s
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M
    return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53
  }
}

const N = 100_000
const next = uniform(19n)
const xs = new Float64Array(N)
const ys = new Float64Array(N)
for (let i = 0; i < N; i++) {
  // Magnitudes 1e-3..1e3, some negative; exponents: integers, halves, any.
  xs[i] = (next() * 2 - 0.5) * 10 ** (next() * 6 - 3)
  ys[i] = i % 4 === 0 ? Math.round(next() * 20 - 10) : i % 4 === 1 ? Math.round(next() * 8 - 4) / 2 : (next() * 2 - 1) * 20
}
const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 5e-324, 1, -1, 2, 0.5, -0.5, 1e300, -1e300, 10, 3]
xs.set(SPECIAL, 0)

const UNARY: Array<[string, (x: number) => number]> = [
  ['x ** 0.5', (x) => x ** 0.5],
  ['x ** 2', (x) => x ** 2],
  ['Math.pow(x, 2)', (x) => Math.pow(x, 2)],
  ['x ** -0.5', (x) => x ** -0.5],
  ['x ** 3', (x) => x ** 3],
  ['10 ** (x % 8)', (x) => 10 ** (x % 8)],
  ['x ** 0.5 + 2 ** (x % 4) (issue 19)', (x) => x ** 0.5 + 2 ** (x % 4)],
]

function mismatches(got: ArrayLike<number>, want: (i: number) => number) {
  const bad: string[] = []
  let count = 0
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want(i))) {
      if (count++ < 3) bad.push(`at ${i} (x=${xs[i]}, y=${ys[i]}): got ${got[i]}, V8 ${want(i)}`)
    }
  }
  return { count, bad }
}

for (const [name, fn] of UNARY) {
  test(`${name} in a kernel equals V8 ${process.versions.v8} on ${N} inputs`, (t) => {
    const { count, bad } = mismatches(parallelMapSync(xs, fn), (i) => fn(xs[i]))
    t.is(count, 0, bad.join('\n'))
  })
}

test(`x ** y and Math.pow(x, y) in kernels equal V8 ${process.versions.v8}`, (t) => {
  for (const fn of [(x: number, y: number) => x ** y, (x: number, y: number) => Math.pow(x, y)]) {
    const { count, bad } = mismatches(parallelMapSync([xs, ys], fn), (i) => fn(xs[i], ys[i]))
    t.is(count, 0, bad.join('\n'))
  }
})

test('the issue 19 example gives V8 own result', (t) => {
  const x = 857.8729195750057
  const fn = (v: number) => v ** 0.5 + 2 ** (v % 4)
  t.is(fn(x), 32.95219828042948) // V8 itself on 20, 22, 24 and 26
  t.is(parallelMapSync(new Float64Array([x]), fn)[0], fn(x))
})

/** What the load fixture reports, computed here in plain JS. */
function expectedLoad() {
  const text = 'a\nbb\n\nccc'
  return {
    node: process.version,
    ping: 41,
    split: text.split('\n'),
    offsets: [0, 1, 2, 4, 5, 5, 6, 9],
    memo: { v: [1, 2, 3] },
    kernel: [857.8729195750057, 4, -0].map((x) => x ** 0.5 + 2 ** (x % 4)),
  }
}

test('loads and works in the main thread', async (t) => {
  const memo = new Memo<{ v: number[] }>()
  memo.set('k', { v: [1, 2, 3] })
  t.deepEqual(memo.get('k'), { v: [1, 2, 3] })
  t.is(await ping(41), 41)
  t.deepEqual(splitSync('a\nbb\n\nccc', '\n'), 'a\nbb\n\nccc'.split('\n'))
  // A fresh process: the fixture's first require is the addon's first load.
  const started = Date.now()
  const r = spawnSync(process.execPath, [LOAD_FIXTURE], { encoding: 'utf8', timeout: 60_000 })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(Date.now() - started < 60_000)
  t.deepEqual(JSON.parse(r.stdout), expectedLoad())
})

test('loads and works in a worker_thread', async (t) => {
  const worker = new Worker(LOAD_FIXTURE)
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  // The worker exits by itself once its work is done (the addon keeps no
  // environment alive), with code 0.
  const exited = new Promise((resolve) => worker.once('exit', resolve))
  t.deepEqual(await result, expectedLoad())
  t.is(await exited, 0)
})
