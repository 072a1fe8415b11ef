import test from 'ava'

import { pendingTaskCount } from '../binding.js'
import { GraphError, Pool, graph } from '../index.js'
import { Runner } from '../lib/graph/scheduler.js'
import { scanParams } from '../lib/graph/params.js'

type Err = Error & { code?: string; cause?: unknown; node?: string; dependency?: string; cycle?: string[] }

/** A deterministic generator (xorshift32), so failures repeat. */
function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

/** A random DAG of kernels over `inputs` source names: [name, deps, source][] in topological order. */
function randomFormulas(n: number, inputs: string[], seed: number) {
  const r = rng(seed)
  const names = [...inputs]
  const nodes: { name: string; deps: string[]; fn: (...a: number[]) => number }[] = []
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(r() * 3)
    const deps = Array.from({ length: k }, () => names[Math.floor(r() * names.length)])
    const params = deps.map((_, j) => `p${j}`)
    const body = params.map((p) => `${p} * ${(r() * 2 - 1).toFixed(3)}`).join(' + ')
    // eslint-disable-next-line no-eval -- a kernel needs its own source text
    const fn = (0, eval)(`(${params.join(', ')}) => Math.sin(${body}) + ${i}`) as (...a: number[]) => number
    const name = `n${i}`
    nodes.push({ name, deps, fn })
    names.push(name)
  }
  return nodes
}

/** The plain-JS reference: evaluate in topological order. */
function reference(nodes: ReturnType<typeof randomFormulas>, inputs: Record<string, number>) {
  const v: Record<string, number> = { ...inputs }
  for (const { name, deps, fn } of nodes) v[name] = fn(...deps.map((d) => v[d]))
  for (const k of Object.keys(inputs)) delete v[k]
  return v
}

test('parameter names are the dependencies; results equal a plain JS evaluation', async (t) => {
  const g = graph()
  g.add('c', (a: number, b: number) => a * 2 + b)
  g.add('d', (c: number, a: number) => c / a)
  g.add('e', (d: number) => d > 2)
  t.deepEqual(await g.run({ a: 3, b: 1 }), { c: 7, d: 7 / 3, e: true })
})

test('explicit deps, built-in ops and constants (Promise and TaskHandle) as nodes', async (t) => {
  const g = graph()
  const h = graph().add('k', (z: number) => z + 1).run({ z: 41 })
  g.add('two', Promise.resolve(2))
  g.add('handle', h.then((r) => r.k as number))
  g.add('root', 'sqrt', { deps: ['x'] })
  g.add('sum', (p: number, q: number, r: number) => p + q + r, { deps: ['two', 'handle', 'root'] })
  t.deepEqual(await g.run({ x: 16 }), { two: 2, handle: 42, root: 4, sum: 48 })
  t.throws(() => graph().add('r', 'sqrt'), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => graph().add('r', 'nope' as never, { deps: ['x'] }), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => graph().add('r', 42 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => graph().add('', () => 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => graph().add('a', () => 1).add('a', () => 2), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => graph().add('a', () => 1, { deps: [1 as never] }), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => graph().add('a', ({ x }: { x: number }) => x), { code: 'ERR_INVALID_ARG_VALUE', message: /options\.deps/ })
})

test('a function whose parameters name no node needs options.deps; a bound or built-in function is refused at add', async (t) => {
  const rest = t.throws(() => graph().add('s', (...xs: number[]) => xs.length)) as Err
  t.true(rest instanceof TypeError)
  t.is(rest.code, 'ERR_INVALID_ARG_VALUE')
  t.regex(rest.message, /node 's' has a rest parameter \(\.\.\.xs\).*options\.deps/)
  const pattern = t.throws(() => graph().add('p', ([x]: number[]) => x)) as Err
  t.is(pattern.code, 'ERR_INVALID_ARG_VALUE')
  t.regex(pattern.message, /node 'p' has a destructuring parameter.*options\.deps/)
  // With deps they run, and agree with calling the function in JS.
  const sum = (...xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const first = ([x]: number[]) => x
  const g = graph().add('s', sum, { deps: ['a', 'b', 'c'] }).add('p', first, { deps: ['list'] })
  t.deepEqual(await g.run({ a: 1, b: 2, c: 4, list: [7, 8] }), { s: sum(1, 2, 4), p: first([7, 8]) })
  // No source to compile or to send to a worker, with deps or without.
  const bound = ((x: number) => x + 1).bind(null)
  const cases: [(x: number) => number, { deps: string[] } | undefined][] = [[bound, undefined], [Math.sqrt, undefined], [Math.sqrt, { deps: ['x'] }]]
  for (const [fn, options] of cases) {
    const err = t.throws(() => graph().add('b', fn, options)) as Err
    t.true(err instanceof TypeError)
    t.is(err.code, 'ERR_INVALID_ARG_VALUE')
    t.regex(err.message, /"fn" argument is a bound or built-in function.*node 'b'/)
  }
})

test('runs of one graph may overlap: each resolves to its own inputs, the latest started sets the state', async (t) => {
  let open!: (v: number) => void
  const gate = new Promise<number>((resolve) => (open = resolve))
  const g = graph()
    .add('gate', gate)
    .add('sum', (gate: number, x: number) => gate + x)
    .add('sq', (x: number) => x * x)
  // The first run waits for the gate (JS-driven); the second overrides the
  // gate and runs as one native task, so it ends first.
  const first = g.run({ x: 2 })
  const second = g.run({ gate: 10, x: 3 })
  t.deepEqual(await second, { gate: 10, sum: 13, sq: 9 })
  t.is(first.status, 'running')
  open(100)
  t.deepEqual(await first, { gate: 100, sum: 102, sq: 4 })
  t.is(g.stats().runs, 2)
  // The second run's state stands, though the first ended after it: nothing to recompute.
  t.deepEqual(g.stats().computed.sort(), ['sq', 'sum'])
  t.deepEqual(await g.run({ gate: 10, x: 3 }), { gate: 10, sum: 13, sq: 9 })
  t.deepEqual(g.stats().computed, [])
  // Overlapping native runs, one of them with nothing changed.
  const [a, b, c] = await Promise.all([g.run({ gate: 10, x: 5 }), g.run({ gate: 10, x: 3 }), g.run({ gate: 1, x: 3 })])
  t.deepEqual(a, { gate: 10, sum: 15, sq: 25 })
  t.deepEqual(b, { gate: 10, sum: 13, sq: 9 })
  t.deepEqual(c, { gate: 1, sum: 4, sq: 9 })
  t.is(g.stats().runs, 6)
  t.deepEqual(await g.run({ gate: 1, x: 3 }), c)
  t.deepEqual(g.stats().computed, [])
})

test('a node added while a run is in flight: the run resolves to the nodes it started with, the next run computes the new graph', async (t) => {
  const g = graph().add('a', (x: number) => x + 1)
  const h = g.run({ x: 1 })
  g.add('b', (a: number) => a * 2)
  t.deepEqual(await h, { a: 2 })
  t.deepEqual(await g.run({ x: 1 }), { a: 2, b: 4 })
  t.deepEqual(g.stats().computed.sort(), ['a', 'b'])
  t.deepEqual(await g.run({ x: 1 }), { a: 2, b: 4 })
  t.deepEqual(g.stats().computed, [])
})

test("a node named 'then' with a function value rejects the run (its results would be a thenable); a numeric 'then' is a plain key", async (t) => {
  let called = false
  const g = graph().add('then', Promise.resolve(() => (called = true)))
  const err = (await t.throwsAsync(g.run())) as Err
  t.true(err instanceof TypeError)
  t.is(err.code, 'ERR_INVALID_ARG_VALUE')
  t.is(err.node, 'then')
  t.false(called)
  // An input overriding it with a function: the same.
  const k = graph().add('then', (x: number) => x + 1)
  await t.throwsAsync(k.run({ then: () => 0, x: 1 }), { code: 'ERR_INVALID_ARG_VALUE' })
  t.deepEqual({ ...(await k.run({ x: 1 })) }, { then: 2 })
})

test('the parameter scanner reads simple forms (the fallback when inspectFunction is absent)', (t) => {
  t.deepEqual(scanParams('(a, b = 2) => a'), ['a', 'b'])
  t.deepEqual(scanParams('x => x'), ['x'])
  t.deepEqual(scanParams('async function f(a, /* c */ b) {}'), ['a', 'b'])
  t.deepEqual(scanParams('function (a, b = g(1, 2), c) {}'), ['a', 'b', 'c'])
  t.deepEqual(scanParams('({ x }, ...rest) => x'), ['{ x }', '...rest'])
  t.deepEqual(scanParams('() => 1'), [])
})

test('random kernel DAGs equal the JS reference, first run and after a change', async (t) => {
  for (const seed of [1, 2, 3]) {
    const nodes = randomFormulas(300, ['x', 'y', 'z'], seed)
    const g = graph()
    for (const { name, deps, fn } of nodes) g.add(name, fn, { deps })
    const inputs = { x: 0.5, y: -1.25, z: 3 }
    t.deepEqual(await g.run(inputs), reference(nodes, inputs))
    const changed = { ...inputs, y: 2 }
    t.deepEqual(await g.run(changed), reference(nodes, changed))
  }
})

test('an all-kernel graph runs as ONE task on the pool', async (t) => {
  const pool = new Pool({ threads: 2 })
  const g = graph()
  for (let i = 0; i < 100; i++) g.add(`f${i}`, (a: number, b: number) => a * b + 1, { deps: ['a', 'b'] })
  const before = pool.stats().completed
  const out = await g.run({ a: 2, b: 3 }, { pool })
  t.is(pool.stats().completed - before, 1)
  t.is(Object.keys(out).length, 100)
  t.is(out.f99, 7)
  await pool.close()
})

test('incremental: a run recomputes only the dependents of changed inputs', async (t) => {
  const g = graph()
  g.add('ab', (a: number, b: number) => a + b)
  g.add('bc', (b: number, c: number) => b * c)
  g.add('top', (ab: number, bc: number) => ab - bc)
  g.add('onlyA', (a: number) => -a)
  t.deepEqual(await g.run({ a: 1, b: 2, c: 3 }), { ab: 3, bc: 6, top: -3, onlyA: -1 })
  t.deepEqual(g.stats().computed.sort(), ['ab', 'bc', 'onlyA', 'top'])
  t.deepEqual(await g.run({ a: 1, b: 2, c: 3 }), { ab: 3, bc: 6, top: -3, onlyA: -1 })
  t.deepEqual(g.stats().computed, [])
  t.deepEqual(await g.run({ a: 1, b: 2, c: 10 }), { ab: 3, bc: 20, top: -17, onlyA: -1 })
  t.deepEqual(g.stats().computed.sort(), ['bc', 'top'])
  t.deepEqual(await g.run({ a: 5, b: 2, c: 10 }), { ab: 7, bc: 20, top: -13, onlyA: -5 })
  t.deepEqual(g.stats().computed.sort(), ['ab', 'onlyA', 'top'])
  t.is(g.stats().runs, 4)
})

test('an input only overridden nodes take is not needed for that run', async (t) => {
  const g = graph().add('a', (x: number) => x + 1).add('b', (a: number) => a * 2).add('c', (x: number, b: number) => x - b)
  // c also takes x: still required.
  await t.throwsAsync(g.run({ a: 5 }), { code: 'ERR_GRAPH_UNKNOWN_DEPENDENCY', message: /'c' depends on 'x'/ })
  t.deepEqual(await g.run({ a: 5, c: 0 }), { a: 5, b: 10, c: 0 })
  t.deepEqual(g.stats().computed, ['b'])
  // Without the overrides a and c compute again, and need x.
  await t.throwsAsync(g.run(), { code: 'ERR_GRAPH_UNKNOWN_DEPENDENCY' })
  t.deepEqual(await g.run({ x: 1 }), { a: 2, b: 4, c: -3 })
})

test('inputs may override a node for one run; the next run recomputes it', async (t) => {
  const g = graph()
  g.add('a', () => 1)
  g.add('b', (a: number) => a * 10)
  t.deepEqual(await g.run(), { a: 1, b: 10 })
  t.deepEqual(await g.run({ a: 5 }), { a: 5, b: 50 })
  t.deepEqual(g.stats().computed, ['b'])
  t.deepEqual(await g.run(), { a: 1, b: 10 })
  t.deepEqual(g.stats().computed.sort(), ['a', 'b'])
})

test('a cycle is an error naming it, at add', (t) => {
  const g = graph()
  g.add('a', (c: number) => c + 1)
  g.add('b', (a: number) => a + 1)
  const err = t.throws(() => g.add('c', (b: number) => b + 1)) as Err
  t.is(err.code, 'ERR_GRAPH_CYCLE')
  t.regex(err.message, /c -> a -> b -> c/)
  t.deepEqual(err.cycle, ['c', 'a', 'b', 'c'])
  t.throws(() => graph().add('s', (s: number) => s), { code: 'ERR_GRAPH_CYCLE', message: /s -> s/ })
  // The graph is unchanged: it still runs without the refused node (c is an input now).
  return g.run({ c: 1 }).then((r) => t.deepEqual(r, { a: 2, b: 3 }))
})

test('an unknown dependency rejects the run naming the node and the name; unknown inputs are refused', async (t) => {
  const g = graph().add('y', (x: number, w: number) => x + w)
  const err = (await t.throwsAsync(g.run({ x: 1 }))) as Err
  t.is(err.code, 'ERR_GRAPH_UNKNOWN_DEPENDENCY')
  t.is(err.node, 'y')
  t.is(err.dependency, 'w')
  t.regex(err.message, /'y' depends on 'w'/)
  await t.throwsAsync(g.run({ x: 1, w: 2, typo: 3 }), { code: 'ERR_INVALID_ARG_VALUE', message: /inputs\.typo/ })
  await t.throwsAsync(g.run(5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.deepEqual(await g.run({ x: 1, w: 2 }), { y: 3 })
})

test('a failed node fails its dependents with ERR_DEPENDENCY_FAILED while independent branches finish (JS-driven run)', async (t) => {
  const boom = new TypeError('boom')
  const g = graph()
  g.add('bad', Promise.reject(boom))
  g.add('d', (bad: number) => bad + 1)
  g.add('e', (d: number, a: number) => d + a)
  g.add('ok', (a: number) => a * 2)
  g.add('ok2', (ok: number) => ok + 1)
  const err = (await t.throwsAsync(g.run({ a: 2 }))) as GraphError & Err
  t.true(err instanceof GraphError)
  t.true(err instanceof AggregateError)
  t.is(err.code, 'ERR_GRAPH_FAILED')
  t.deepEqual(err.errors, [boom])
  t.deepEqual(err.results, { ok: 4, ok2: 5 })
  t.deepEqual(Object.keys(err.failed).sort(), ['bad', 'd', 'e'])
  t.is(err.failed.bad, boom)
  for (const name of ['d', 'e']) {
    const dep = err.failed[name] as Err
    t.is(dep.code, 'ERR_DEPENDENCY_FAILED')
    t.is(dep.cause, boom)
    t.is(dep.node, name)
    t.is(dep.dependency, 'bad')
  }
})

test('a failed kernel fails its dependents while independent kernels finish (native run)', async (t) => {
  const g = graph()
  g.add('deep', function deep(a: number): number { return deep(a + 1) })
  g.add('after', (deep: number) => deep + 1)
  g.add('fine', (a: number) => a * 3)
  const err = (await t.throwsAsync(g.run({ a: 1 }))) as GraphError & Err
  t.is(err.code, 'ERR_GRAPH_FAILED')
  t.is((err.errors[0] as Err).code, 'ERR_KERNEL_STACK_OVERFLOW')
  t.deepEqual(err.results, { fine: 3 })
  const after = err.failed.after as Err
  t.is(after.code, 'ERR_DEPENDENCY_FAILED')
  t.is(after.cause, err.errors[0])
  // Failed nodes are not current: the next run computes them again.
  await t.throwsAsync(g.run({ a: 1 }), { code: 'ERR_GRAPH_FAILED' })
  t.deepEqual(g.stats().computed.sort(), ['deep'])
})

const spin = (x: number) => {
  let s = x
  for (let i = 0; i < 1e15; i++) s = (s * 1.0000001) % 7
  return s
}

test('a native run is one TaskHandle: cancel, signal and timeout stop it', async (t) => {
  const g = graph().add('long', spin, { deps: ['x'] })
  const h = g.run({ x: 1 })
  t.is(h.status === 'queued' || h.status === 'running', true)
  t.true(h.cancel())
  await t.throwsAsync(h, { name: 'AbortError' })
  const ac = new AbortController()
  const h2 = g.run({ x: 2 }, { signal: ac.signal })
  ac.abort()
  await t.throwsAsync(h2, { name: 'AbortError' })
  await t.throwsAsync(g.run({ x: 3 }, { timeout: 20 }), { code: 'ERR_TASK_TIMEOUT' })
})

test.serial('a JS-driven run is one TaskHandle: cancel and timeout reject it and cancel its nodes in flight', async (t) => {
  const never = new Promise<number>(() => {})
  const g = graph().add('wait', never).add('long', spin, { deps: ['x'] }).add('sum', (wait: number, long: number) => wait + long)
  const before = pendingTaskCount()
  const h = g.run({ x: 1 })
  t.is(h.status, 'running')
  // Let the runner start its ready nodes (the long kernel is then in flight).
  await new Promise((r) => setImmediate(r))
  t.true(pendingTaskCount() >= before + 2)
  t.true(h.cancel())
  await t.throwsAsync(h, { name: 'AbortError' })
  t.is(pendingTaskCount(), before)
  const h2 = g.run({ x: 2 }, { timeout: 30 })
  await t.throwsAsync(h2, { code: 'ERR_TASK_TIMEOUT' })
  // The runner's own timer cancels the node in flight right after.
  for (let i = 0; i < 200 && pendingTaskCount() > before; i++) await new Promise((r) => setTimeout(r, 5))
  t.is(pendingTaskCount(), before)
})

/** A plan for Runner tests: nodes by name with their deps. */
function plan(spec: Record<string, string[]>, priority?: Record<string, number>) {
  const names = Object.keys(spec)
  const deps = names.map((n) => spec[n].map((d) => names.indexOf(d)))
  const dependents = names.map((_, i) => names.flatMap((_, j) => (deps[j].includes(i) ? [j] : [])))
  // Critical path by default (nodes on the longest path to a sink).
  const prio: number[] = names.map(() => 0)
  const depth = (i: number): number => (prio[i] ||= 1 + Math.max(0, ...dependents[i].map(depth)))
  names.forEach((_, i) => depth(i))
  if (priority) names.forEach((n, i) => (prio[i] = priority[n]))
  return { names, deps, dependents, priority: prio }
}

/** A controllable node: a promise resolved by the test. */
function deferred() {
  let resolve!: (v: unknown) => void
  let reject!: (e: unknown) => void
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

test('scheduling is by readiness, not layers: a node starts as soon as its own inputs are done', async (t) => {
  // slow and fast are sources; fastChild takes fast only; join takes both.
  const p = plan({ slow: [], fast: [], fastChild: ['fast'], join: ['slow', 'fastChild'] })
  const started: string[] = []
  const nodes = new Map<string, ReturnType<typeof deferred>>()
  let finished = false
  const runner = new Runner(
    p,
    new Uint8Array([1, 1, 1, 1]),
    [undefined, undefined, undefined, undefined],
    (v: number) => {
      const d = deferred()
      nodes.set(p.names[v], d)
      started.push(p.names[v])
      return d.promise
    },
    () => (finished = true),
  )
  runner.start()
  t.deepEqual(started.sort(), ['fast', 'slow'])
  nodes.get('fast')!.resolve(1)
  await Promise.resolve()
  await Promise.resolve()
  // slow is still running: a layer barrier would hold fastChild back.
  t.true(started.includes('fastChild'))
  t.false(started.includes('join'))
  nodes.get('fastChild')!.resolve(2)
  nodes.get('slow')!.resolve(3)
  await new Promise((r) => setImmediate(r))
  t.true(started.includes('join'))
  nodes.get('join')!.resolve(4)
  await new Promise((r) => setImmediate(r))
  t.true(finished)
  t.deepEqual(runner.values, [3, 1, 2, 4])
})

test('among ready nodes the longest critical path starts first', (t) => {
  // short (a sink) and chain0 -> chain1 -> chain2 are ready together.
  const p = plan({ short: [], chain0: [], chain1: ['chain0'], chain2: ['chain1'], other: [] })
  const started: string[] = []
  const runner = new Runner(
    p,
    new Uint8Array(5).fill(1),
    new Array(5),
    (v: number) => {
      started.push(p.names[v])
      return new Promise(() => {})
    },
    () => {},
  )
  runner.start()
  t.is(started[0], 'chain0')
  t.deepEqual(started.slice(1).sort(), ['other', 'short'])
})

test('worker-function nodes: any JS function runs on the worker engine, mixed with kernels', async (t) => {
  const g = graph()
  g.add('parsed', (text: string) => (JSON.parse(text) as { v: number[] }).v)
  g.add('total', (parsed: number[]) => parsed.reduce((a, b) => a + b, 0))
  g.add('doubled', (total: number) => total * 2)
  g.add('label', (doubled: number, prefix: string) => `${prefix}${doubled}`)
  const text = JSON.stringify({ v: [1, 2, 3, 4] })
  t.deepEqual(await g.run({ text, prefix: '#' }), { parsed: [1, 2, 3, 4], total: 10, doubled: 20, label: '#20' })
})

test('incremental, proved with a counter: a worker node runs again only when its inputs changed', async (t) => {
  const counter = new Int32Array(new SharedArrayBuffer(8))
  const g = graph()
  g.add('b', (a: string) => {
    Atomics.add(counter, 0, 1)
    return a.toUpperCase()
  }, { context: { counter } })
  g.add('d', (c: string) => {
    Atomics.add(counter, 1, 1)
    return c.length
  }, { context: { counter } })
  g.add('both', (b: string, d: number) => `${b}:${d}`)
  t.deepEqual(await g.run({ a: 'x', c: 'hello' }), { b: 'X', d: 5, both: 'X:5' })
  t.deepEqual([...counter], [1, 1])
  t.deepEqual(await g.run({ a: 'x', c: 'hello' }), { b: 'X', d: 5, both: 'X:5' })
  t.deepEqual([...counter], [1, 1])
  t.deepEqual(await g.run({ a: 'y', c: 'hello' }), { b: 'Y', d: 5, both: 'Y:5' })
  t.deepEqual([...counter], [2, 1])
  t.deepEqual(g.stats().computed.sort(), ['b', 'both'])
  t.deepEqual(await g.run({ a: 'y', c: 'hi' }), { b: 'Y', d: 2, both: 'Y:2' })
  t.deepEqual([...counter], [2, 2])
})

test('a worker node that throws fails its dependents; its error keeps name and message', async (t) => {
  const g = graph()
  g.add('bad', (a: number) => {
    if (a > 0) throw new RangeError(`too big: ${a}`)
    return a
  })
  g.add('after', (bad: number) => bad + 1)
  g.add('fine', (a: number) => a * 2)
  const err = (await t.throwsAsync(g.run({ a: 3 }))) as GraphError & Err
  t.is(err.code, 'ERR_GRAPH_FAILED')
  const own = err.failed.bad as Err
  t.is(own.name, 'RangeError')
  t.is(own.message, 'too big: 3')
  t.is((err.failed.after as Err).cause, own)
  t.deepEqual(err.results, { fine: 6 })
  t.deepEqual(await g.run({ a: -1 }), { bad: -1, after: 0, fine: -2 })
})

test('node names that are Object.prototype keys are plain result keys', async (t) => {
  for (const size of [3, 1500]) {
    const g = graph()
    g.add('__proto__', (a: number) => a + 1)
    g.add('constructor', (__proto__: number) => __proto__ * 2, { deps: ['__proto__'] })
    for (let i = 0; i < size - 3; i++) g.add(`n${i}`, (a: number) => a, { deps: ['a'] })
    g.add('toString', (constructor: number) => -constructor, { deps: ['constructor'] })
    const out = (await g.run({ a: 1 })) as Record<string, unknown>
    t.is(Object.getPrototypeOf(out), Object.prototype)
    t.true(Object.hasOwn(out, '__proto__'))
    t.is(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 2)
    const own = (key: string) => Object.getOwnPropertyDescriptor(out, key)?.value as unknown
    t.is(own('constructor'), 4)
    t.is(own('toString'), -4)
    t.is(Object.keys(out).length, size)
  }
})
