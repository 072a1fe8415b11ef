// Issue 13, the kernel compiler's and parallelMap's share: hostile nesting,
// oversized native frames, allocations sized by the input, argument errors,
// sync results held until the loop turns, and kernels that never end.
// Crashes and hangs are run in child processes, checking signal, status and time.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { compileKernel, parallelMap, parallelMapSync, spawn } from '../index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Runs a fixture (optionally under `sh -c` with a prefix), returns its JSON line and timing. */
function run(name: string, opts: { args?: string[]; shell?: string; timeout?: number } = {}) {
  const start = Date.now()
  const r = opts.shell
    ? spawnSync('sh', ['-c', `${opts.shell}; exec "$0" "$1"`, process.execPath, fixture(name)], {
        encoding: 'utf8',
        timeout: opts.timeout ?? 60_000,
      })
    : spawnSync(process.execPath, [fixture(name), ...(opts.args ?? [])], {
        encoding: 'utf8',
        timeout: opts.timeout ?? 60_000,
      })
  const elapsed = Date.now() - start
  const line = r.stdout.trim().split('\n').pop() ?? ''
  return { r, elapsed, out: line ? JSON.parse(line) : undefined }
}

test('a million nested operators, ternaries, **, assignments, ifs, parens: ERR_UNSUPPORTED_KERNEL, no crash', (t) => {
  const { r, elapsed, out } = run('kernel-deep.cjs', { args: ['1000000'] })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(elapsed < 30_000, `took ${elapsed} ms`)
  const results = out as Array<Record<string, unknown>>
  t.is(results.length, 11 * 4)
  for (const e of results) {
    t.is(e.ctor, 'TypeError', `${e.name} via ${e.via}`)
    t.is(e.code, 'ERR_UNSUPPORTED_KERNEL', `${e.name} via ${e.via}`)
    t.regex(String(e.message), /nested too deeply/, `${e.name} via ${e.via}`)
    t.true(Number(e.line) >= 1 && Number(e.column) >= 1, `${e.name} via ${e.via}`)
  }
})

test('nesting just past the checker budget is the same error in-process, at the right place', (t) => {
  const e = t.throws(() => compileKernel(`x => ${'!'.repeat(1000)}x` as never)) as Error & Record<string, unknown>
  t.is(e.code, 'ERR_UNSUPPORTED_KERNEL')
  t.regex(e.message, /nested too deeply/)
  t.is(e.line, 1)
  // A kernel that nests moderately still compiles and computes what V8 does.
  const src = `x => ${'-('.repeat(100)}x${')'.repeat(100)} + ${'!'.repeat(101)}x`
  // eslint-disable-next-line no-new-func
  const reference = new Function(`return ${src}`)() as (x: number) => number
  const xs = new Float64Array([0, 1, -2.5, NaN])
  t.deepEqual(Array.from(parallelMapSync(xs, src as never)), Array.from(xs, reference))
})

test('huge native frames reject with ERR_KERNEL_STACK_OVERFLOW or ERR_UNSUPPORTED_KERNEL, never crash', (t) => {
  const { r, elapsed, out } = run('kernel-frames.cjs')
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(elapsed < 60_000, `took ${elapsed} ms`)
  t.is(out.hypot300k, 'ERR_UNSUPPORTED_KERNEL')
  t.is(out.hypot4000, `ok:${Math.hypot(...Array<number>(4000).fill(3))}`)
  t.is(out.recursive20kLocals, 'ERR_UNSUPPORTED_KERNEL')
  t.is(out.recursive3kLocals, 'ERR_KERNEL_STACK_OVERFLOW')
  t.is(out.recursive3kLocalsSmallPool, 'ERR_KERNEL_STACK_OVERFLOW')
  t.true(['ERR_UNSUPPORTED_KERNEL', 'ERR_KERNEL_STACK_OVERFLOW'].includes(out.locals10kSmallPool))
  t.is(out.locals3kSmallPool, 'ERR_KERNEL_STACK_OVERFLOW')
  let sum = 0
  for (let k = 0; k < 3000; k++) sum += k
  t.is(out.locals3kDefaultPool, `ok:${sum}`)
  t.is(out.smallKernelSmallPool, 'ok:42')
})

test('an input too big to copy is a RangeError ERR_OUT_OF_MEMORY naming the size, not an abort', (t) => {
  // 3.5 GB of address space: node and a 512 MiB input fit, their 4 GiB f64 copy does not.
  const { r, elapsed, out } = run('kernel-alloc.cjs', { shell: 'ulimit -v 3500000' })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(elapsed < 60_000, `took ${elapsed} ms`)
  for (const k of ['mapSync', 'mapAsync']) {
    t.is(out[k].ctor, 'RangeError', k)
    t.is(out[k].code, 'ERR_OUT_OF_MEMORY', k)
    t.regex(out[k].message, /4294967296 bytes/, k)
  }
  for (const k of ['hashSync', 'hashAsync']) {
    t.is(out[k].ctor, 'RangeError', k)
    t.is(out[k].code, 'ERR_OUT_OF_MEMORY', k)
    t.regex(out[k].message, /\d+ bytes/, k)
  }
  t.deepEqual(out.after, [2, 4])
})

test('150 sync results of 8 MB in a loop that never yields keep the RSS bounded', (t) => {
  const { r, out } = run('kernel-rss.cjs')
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  // 150 × 8 MB = 1200 MB if nothing were released before the loop turns.
  t.true(out.mapGrowthMB < 400, `map grew ${out.mapGrowthMB} MB`)
  t.true(out.hashGrowthMB < 100, `hash grew ${out.hashGrowthMB} MB`)
  // The results were real: every call's last element, and every hash array's length.
  t.is(out.mapSum, 150 * 2 * ((1 << 20) - 1))
  t.is(out.hashBits, 150 * (1 << 16))
})

test('kernels that never end stop at their timeout in every loop form and in loop-free recursion', (t) => {
  const { r, elapsed, out } = run('kernel-cancel.cjs', { timeout: 30_000 })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(elapsed < 20_000, `took ${elapsed} ms`)
  for (const name of ['for', 'while', 'doWhile', 'continueLabel', 'recursion']) {
    t.is(out[name], 'ERR_TASK_TIMEOUT', name)
    t.is(out[`${name}After`], 42, name)
  }
  t.is(out.mapWhile, 'ERR_TASK_TIMEOUT')
})

test('argument errors of the kernel exports are TypeErrors/RangeErrors with Node-style codes', async (t) => {
  const check = (f: () => unknown, ctor: ErrorConstructor, code: string, name: RegExp) => {
    const e = t.throws(f) as Error & { code?: string }
    t.true(e instanceof ctor, `${e.constructor.name}: ${e.message}`)
    t.is(e.code, code, e.message)
    t.regex(e.message, name)
  }
  check(() => compileKernel((x: number) => x, { inputs: '5' as never }), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.inputs/)
  check(() => compileKernel((x: number) => x, { inputs: 0 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.inputs/)
  check(() => compileKernel((x: number) => x, { inputs: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.inputs/)
  check(() => compileKernel((x: number) => x, { inputs: 1e9 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.inputs/)
  // The exported binding itself, bypassing lib/: no napi-rs `NumberExpected`/`StringExpected`.
  const binding = (await import('../binding.js')) as unknown as Record<string, (...a: unknown[]) => unknown>
  check(() => binding.compileKernel(42), TypeError, 'ERR_INVALID_ARG_TYPE', /"fn"/)
  check(() => binding.compileKernel('x => x', 'k'), TypeError, 'ERR_INVALID_ARG_TYPE', /"params"/)
  check(() => binding.compileKernel('x => x', [1]), TypeError, 'ERR_INVALID_ARG_TYPE', /"params\[0\]"/)
  check(() => binding.compileKernel('x => x', [], '5'), TypeError, 'ERR_INVALID_ARG_TYPE', /options\.inputs/)
  check(() => binding.parallelMapSync([new Float64Array(1)], 7), TypeError, 'ERR_INVALID_ARG_TYPE', /"fn"/)
  check(() => binding.hashSync(['a'], 7), TypeError, 'ERR_INVALID_ARG_TYPE', /"fn"/)
  check(() => binding.spawnAsync(8_000_000_000_001, 'x => x', 'no'), TypeError, 'ERR_INVALID_ARG_TYPE', /"args"/)
  check(() => binding.spawnAsync(8_000_000_000_001, 'x => x', [{}]), TypeError, 'ERR_INVALID_ARG_TYPE', /"args\[0\]"/)
  check(() => binding.spawnAsync(8_000_000_000_001, 7, [1]), TypeError, 'ERR_INVALID_ARG_TYPE', /"fn"/)
  // Valid calls still work, through lib/ and the binding.
  t.is(await spawn((a: number, b: number) => a * b, [6, 7]), 42)
  t.deepEqual(Array.from(await parallelMap(new Float64Array([1, 2]), (x: number) => x + 1)), [2, 3])
})

test('parallelMap rejects (never throws) for hostile inputs and fns: revoked Proxies, throwing getters', async (t) => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable([], {})
    revoke()
    return proxy
  }
  const throwing = new Proxy([1, 2], {
    get(target, key) {
      if (key === 'length' || key === '0') throw new Error('boom')
      return Reflect.get(target, key)
    },
  })
  for (const [what, input, fn] of [
    ['revoked input', revoked(), (x: number) => x],
    ['revoked input with a hash op', revoked(), 'xxh3'],
    ['input whose elements throw', throwing, (x: number) => x],
    ['revoked fn', [1, 2], revoked()],
  ] as const) {
    let handle: Promise<unknown> | undefined
    t.notThrows(() => {
      handle = parallelMap(input as never, fn as never) as unknown as Promise<unknown>
    }, what)
    const err = await t.throwsAsync(handle!, undefined, what)
    t.true(err instanceof Error, what)
  }
})
