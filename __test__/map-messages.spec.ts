// parallelMap / parallelMapSync messages (issue 15 item 7): a hash op given
// something other than an array of items, an array of strings given to a
// Math op or kernel, TaskOptions a sync call cannot honour, and each
// message as whole sentences. Each case checks the exact name, code and
// message, through the sync call and the async one.
import test from 'ava'

import { Pool, parallelMap, parallelMapSync } from '../index.js'

/** parallelMapSync without its overloads (the hash ones take no options). */
const untypedSync = parallelMapSync as (...args: unknown[]) => unknown

type Case = { call: () => unknown; name: string; code: string; message: string }

function check(t: import('ava').ExecutionContext, c: Case, label: string) {
  const e = t.throws(c.call, undefined, label) as Error & { code?: string }
  t.is(e?.name, c.name, label)
  t.is(e?.code, c.code, label)
  t.is(e?.message, c.message, label)
}

async function checkAsync(t: import('ava').ExecutionContext, call: () => PromiseLike<unknown>, c: Omit<Case, 'call'>, label: string) {
  const e = (await t.throwsAsync(async () => call(), undefined, label)) as Error & { code?: string }
  t.is(e?.name, c.name, label)
  t.is(e?.code, c.code, label)
  t.is(e?.message, c.message, label)
}

const hashOnly = (op: string, received: string) => ({
  name: 'TypeError',
  code: 'ERR_INVALID_ARG_TYPE',
  message: `The "input" argument must be an array of strings or Buffers for the hash op '${op}' (to hash one item, pass [item]). Received ${received}`,
})

test('a hash op given one Buffer or a string says hashes take an array of strings or Buffers', async (t) => {
  const cases: Array<[unknown, string, string]> = [
    [new Uint8Array(4), 'sha256', 'an instance of Uint8Array'],
    [Buffer.from('abc'), 'xxh3', 'an instance of Buffer'],
    ['abc', 'crc32', "type string ('abc')"],
    [new Float64Array(2), 'sha256', 'an instance of Float64Array'],
  ]
  for (const [input, op, received] of cases) {
    const want = hashOnly(op, received)
    check(t, { call: () => parallelMapSync(input as never, op as 'sha256'), ...want }, `sync ${op} ${received}`)
    await checkAsync(t, () => parallelMap(input as never, op as 'sha256'), want, `async ${op} ${received}`)
  }
  // The fix the message points at works, and equals hashing the items one by one.
  const [one] = parallelMapSync([new Uint8Array(4)], 'sha256')
  t.deepEqual(one, (await import('node:crypto')).createHash('sha256').update(new Uint8Array(4)).digest())
})

test('an array of strings with a Math op or a kernel names the hash ops instead of giving NaN', async (t) => {
  const tail = "Received an array of strings. The hash ops ('xxh3', 'sha256' and 'crc32') take an array of strings or Buffers."
  const want = (what: string) => ({
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_TYPE',
    message: `The "input" argument must be a TypedArray or an array of numbers for ${what}. ${tail}`,
  })
  check(t, { call: () => parallelMapSync(['a', 'b'] as never, 'sqrt'), ...want("the Math op 'sqrt'") }, 'sync op')
  check(t, { call: () => parallelMapSync(['1'] as never, (x: number) => x * 2), ...want('a kernel') }, 'sync kernel')
  await checkAsync(t, () => parallelMap(['a'] as never, 'abs'), want("the Math op 'abs'"), 'async op')
  // Numbers still work, and a hash of the same strings still works.
  t.deepEqual([...parallelMapSync([4, 9], 'sqrt')], [2, 3])
  t.is(parallelMapSync(['a', 'b'], 'crc32').length, 2)
})

test('an unknown op name lists the Math ops and the hash ops', async (t) => {
  const unary =
    'abs, acos, acosh, asin, asinh, atan, atanh, cbrt, ceil, clz32, cos, cosh, exp, expm1, floor, fround, log, log10, log1p, log2, round, sign, sin, sinh, sqrt, tan, tanh, trunc'
  const want = {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: `The "fn" argument must be a function, the name of a unary Math op (${unary}) or, for an array of strings or Buffers, the name of a hash op ('xxh3', 'sha256', 'crc32'). Received 'nope'.`,
  }
  check(t, { call: () => parallelMapSync([1], 'nope' as 'sqrt'), ...want }, 'sync')
  await checkAsync(t, () => parallelMap([1], 'nope' as 'sqrt'), want, 'async')
})

test('parallelMapSync refuses signal, timeout and pool with ERR_INVALID_ARG_VALUE pointing at parallelMap', async (t) => {
  const ac = new AbortController()
  const aborted = AbortSignal.abort()
  const pool = new Pool({ threads: 1 })
  const why = {
    signal: 'a synchronous call cannot be cancelled',
    timeout: 'a synchronous call cannot be cancelled, so it cannot time out',
    pool: 'a synchronous call runs on the default pool',
  }
  const cases: Array<[keyof typeof why, unknown]> = [
    ['signal', ac.signal],
    ['signal', aborted],
    ['timeout', 5],
    ['timeout', 0],
    ['pool', pool],
  ]
  for (const [key, value] of cases) {
    const message = `The "options.${key}" option cannot be used with parallelMapSync: ${why[key]}. Use the async parallelMap(input, fn, { ${key} }), which returns a TaskHandle.`
    const want = { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message }
    check(t, { call: () => parallelMapSync([1, 2], 'sqrt', { [key]: value } as never), ...want }, `kernel ${key}`)
    check(t, { call: () => untypedSync(['a'], 'sha256', { [key]: value }), ...want }, `hash ${key}`)
  }
  // Absent (undefined) options are fine, and the async twin honours them.
  t.deepEqual([...parallelMapSync([4], 'sqrt', { signal: undefined, timeout: undefined } as never)], [2])
  await t.throwsAsync(parallelMap([1, 2], 'sqrt', { signal: aborted }), { name: 'AbortError', code: 'ABORT_ERR' })
  t.deepEqual([...(await parallelMap([4], 'sqrt', { timeout: 60_000, pool }))], [2])
  await pool.close()
  // A throwing getter is a coded error, not the getter's own.
  const e = t.throws(() =>
    parallelMapSync([1], 'sqrt', {
      get timeout(): number {
        throw new Error('boom')
      },
    } as never),
  ) as Error & { code?: string }
  t.is(e.code, 'ERR_INVALID_ARG_VALUE')
  t.is(e.message, 'The "options.timeout" property could not be read: boom')
})

test('unequal input lengths: one sentence naming both inputs', async (t) => {
  const want = (n: number, unit: string) => ({
    name: 'RangeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: `The input arrays must all have the same length: "input[0]" has ${n} ${unit} but "input[1]" has 3.`,
  })
  check(t, { call: () => parallelMapSync([new Float64Array(1), new Float64Array(3)], (x: number) => x), ...want(1, 'element') }, 'one')
  await checkAsync(t, () => parallelMap([new Float64Array(2), new Float64Array(3)], (x: number) => x), want(2, 'elements'), 'two')
})

test('an fn that throws when read (a revoked Proxy, a throwing get trap) still gets its coded error, naming it a Proxy', async (t) => {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('trap')
      },
    },
  )
  for (const fn of [proxy, throwing]) {
    const err = (await t.throwsAsync(parallelMap([1], fn as never))) as TypeError & { code?: string }
    t.true(err instanceof TypeError)
    t.is(err.code, 'ERR_INVALID_ARG_TYPE')
    t.is(err.message, 'The "fn" argument must be a function or the name of a built-in op. Received an instance of Proxy')
  }
  // A plain object is still named by its constructor, as Node names it.
  const err = (await t.throwsAsync(parallelMap([1], new Map() as never))) as TypeError & { code?: string }
  t.is(err.message, 'The "fn" argument must be a function or the name of a built-in op. Received an instance of Map')
})
