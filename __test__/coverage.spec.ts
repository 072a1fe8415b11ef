// Coverage tools and kernels. istanbul (what `nyc` and `jest --coverage`
// run) rewrites every function with counters such as
// `cov_<hash>().s[0]++` and `(cov_<hash>().b[1][0]++, value)`; the kernel
// compiler drops exactly those, so an instrumented kernel gives what the
// plain one gives (crates/kernel/src/lower/coverage.rs). V8's coverage
// (`NODE_V8_COVERAGE`, what c8 uses) does not rewrite source at all.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { parallelMap, parallelMapSync, spawn } from '../index.js'

type Kernel = (...a: number[]) => number

const require = createRequire(import.meta.url)
const { createInstrumenter } = require('istanbul-lib-instrument')

// A module of kernels as a user writes them; `scale` and `offset` are
// module constants the kernel receives through `params`.
const SOURCE = `
const scale = 3
const offset = 1
exports.double = (v) => v * 2
exports.block = (x, i) => { let s = 0; for (let k = 0; k < 3; k++) { if (x > k) s += k; else s -= 1 } return s > 0 ? s : -s + i }
exports.nested = function (x) { function sq(a) { return a * a } return (x && sq(x)) || 0 }
exports.logic = (x) => (x > 1 ? Math.sqrt(x) : x < -1 ? -x : 3)
exports.named = function named(x) { const y = x * 3; return y % 7 }
exports.scaled = (x) => x * scale + offset
exports.pair = (x, y, i) => (x > y ? x - y : y - x) + i
`
const PARAMS: Record<string, Record<string, number>> = { scaled: { scale: 3, offset: 1 } }

function load(code: string): Record<string, Kernel> {
  const mod = { exports: {} as Record<string, Kernel> }
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require)
  return mod.exports
}

const plain = load(SOURCE)
const file = join(tmpdir(), 'kernels.js')
const instrumented = load(createInstrumenter({ esModules: false }).instrumentSync(SOURCE, file))

const xs = [NaN, Infinity, -Infinity, 0, -0, 0.5, 1, 1.5, 2, 2.5, 3, 7, -1, -2.5, -7, 1e10, -1e-10]
const ys = xs.map((x, i) => (i % 3) - x / 2)

/** The plain function mapped by V8, as parallelMap calls it: (x…, i). */
function reference(name: string): number[] {
  const f = plain[name]
  return name === 'pair' ? xs.map((x, i) => f(x, ys[i], i)) : xs.map((x, i) => f(x, i))
}

function sameValues(actual: ArrayLike<number>, expected: number[]): boolean {
  return actual.length === expected.length && expected.every((e, i) => Object.is(actual[i], e))
}

for (const name of Object.keys(plain)) {
  test(`istanbul-instrumented \`${name}\` maps like the plain function`, async (t) => {
    const fn = instrumented[name]
    // Non-vacuous: the function really carries istanbul's counters.
    t.regex(fn.toString(), /cov_[0-9a-z]+\(\)\.f\[\d+\]\+\+/)
    t.regex(fn.toString(), /cov_[0-9a-z]+\(\)\.s\[\d+\]\+\+/)
    const input = name === 'pair' ? [xs, ys] : xs
    const opts = PARAMS[name] ? { params: PARAMS[name] } : undefined
    const expected = reference(name)
    const sync = parallelMapSync(input, fn, opts)
    t.true(sameValues(sync, expected), `${Array.from(sync)} vs ${expected}`)
    const async = await parallelMap(input, fn, opts)
    t.true(sameValues(async, expected), `${Array.from(async)} vs ${expected}`)
  })
}

test('istanbul branch counters (`.b[n][m]`) compile away too', (t) => {
  const fn = instrumented.block
  t.regex(fn.toString(), /cov_[0-9a-z]+\(\)\.b\[\d+\]\[\d+\]\+\+/)
  t.true(sameValues(parallelMapSync(xs, fn), reference('block')))
})

test('spawn runs an istanbul-instrumented function', async (t) => {
  t.is(await spawn(instrumented.named, [5]), plain.named(5))
  t.is(await spawn(instrumented.nested, [-4]), plain.nested(-4))
})

test('kernels run under V8 coverage (NODE_V8_COVERAGE, c8)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'np-v8cov-'))
  try {
    const start = Date.now()
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('./fixtures/coverage-v8.cjs', import.meta.url))], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_V8_COVERAGE: dir },
    })
    const elapsed = Date.now() - start
    t.is(r.signal, null, r.stderr)
    t.is(r.status, 0, r.stderr)
    t.true(elapsed < 60_000)
    const xs = [1, 2.5, -3, 0, NaN]
    const block = (x: number) => {
      let s = 0
      for (let k = 0; k < 4; k++) s += x > k ? k : -k
      return s
    }
    t.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null'), {
      map: xs.map((x, i) => x * 2 + i).map((v) => (Number.isNaN(v) ? null : v)),
      block: xs.map(block).map((v) => (Number.isNaN(v) ? null : v)),
      spawn: 5,
    })
    // V8 really collected coverage in the child.
    t.true(readdirSync(dir).some((f) => f.startsWith('coverage-') && f.endsWith('.json')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
