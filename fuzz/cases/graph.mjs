// graph(): random all-kernel DAGs on edge numbers against a plain JS
// evaluation, and hostile add()/run() arguments. Oracle: every node's value
// is Object.is the JS reference on the first run, after an input changes
// (and then `stats().computed` is exactly the changed input's dependents),
// and for overlapping runs (each resolves to its own inputs; the latest
// started one's state stands); a run cancelled at once settles (a value or
// AbortError); add() returns the graph or throws a coded error; run() never
// throws synchronously and settles with results or a coded error.

import { EDGE_NUMBERS, hostileOptions, hostileScalar, hostileString, hostileValue, trapProxy } from '../hostile.mjs'
import { callAsync, callSync, step, violation } from '../oracle.mjs'

/** Kernel bodies over two inputs `a`, `b` (compiled natively; V8 evaluates the reference). */
const SHAPES = [
  'a * 1.5 + b',
  'Math.sqrt(a * a + b * b)',
  '(a > b ? a - b : b - a) + 1',
  'Math.sin(a) * Math.cos(b)',
  'a % b',
  '(a | 0) + (b >>> 3)',
  'Math.max(a, b) ** 0.5',
  'a / b - Math.round(a)',
  'Math.atan2(a, b) + Math.hypot(a, b, 1)',
  'a === b ? -0 : Math.min(a, b)',
]

const INPUTS = ['x', 'y', 'z']

/** A random DAG in topological order: node i takes two of the names before it. */
function randomDag(rng) {
  const names = [...INPUTS]
  const nodes = []
  for (let i = 0, n = rng.int(1, 120); i < n; i++) {
    const window = Math.min(names.length, rng.pick([3, 16, 64]))
    const pick = () => names[names.length - 1 - rng.int(0, window - 1)]
    // eslint-disable-next-line no-new-func -- a kernel needs its own source text
    const fn = new Function('a', 'b', `return ${rng.pick(SHAPES)}`)
    nodes.push({ name: `n${i}`, deps: [pick(), pick()], fn })
    names.push(`n${i}`)
  }
  return nodes
}

function reference(nodes, inputs) {
  const v = { ...inputs }
  for (const { name, deps, fn } of nodes) v[name] = fn(v[deps[0]], v[deps[1]])
  return v
}

/** The nodes that depend on `input`, transitively. */
function dependents(nodes, input) {
  const hit = new Set([input])
  for (const { name, deps } of nodes) if (deps.some((d) => hit.has(d))) hit.add(name)
  hit.delete(input)
  return [...hit].toSorted()
}

function randomInputs(rng) {
  return Object.fromEntries(INPUTS.map((k) => [k, rng.chance(0.7) ? rng.pick(EDGE_NUMBERS) : rng.float() * 200 - 100]))
}

function compare(where, nodes, got, want) {
  for (const { name } of nodes) {
    if (!Object.is(got?.[name], want[name])) {
      violation('wrong-value', { where, node: name, got: got?.[name], want: want[name] })
      return
    }
  }
}

async function differential(rng, ctx) {
  const nodes = randomDag(rng)
  const g = ctx.np.graph()
  for (const { name, deps, fn } of nodes) g.add(name, fn, { deps })
  const first = randomInputs(rng)
  const a = await callAsync('graph.run', () => g.run(first))
  if (!a.ok) return
  compare('first run', nodes, a.value, reference(nodes, first))
  // One input changes: only its dependents recompute.
  const changed = { ...first }
  const key = rng.pick(INPUTS)
  changed[key] = rng.pick(EDGE_NUMBERS.filter((x) => !Object.is(x, first[key])))
  const b = await callAsync('graph.run', () => g.run(changed))
  if (!b.ok) return
  compare('after a change', nodes, b.value, reference(nodes, changed))
  const computed = g.stats().computed.toSorted()
  const want = dependents(nodes, key)
  if (computed.join() !== want.join()) violation('wrong-computed', { input: key, computed, want })
  // Overlapping runs: each its own results; the latest started sets the state.
  const runs = Array.from({ length: rng.int(2, 4) }, () => randomInputs(rng))
  const outs = await Promise.all(runs.map((r) => callAsync('graph.run', () => g.run(r))))
  outs.forEach((o, k) => o.ok && compare(`overlapping run ${k}`, nodes, o.value, reference(nodes, runs[k])))
  const last = await callAsync('graph.run', () => g.run(runs[runs.length - 1]))
  if (last.ok && g.stats().computed.length !== 0) violation('not-latest-state', { computed: g.stats().computed })
  // Cancelled at once: it settles either way, and the graph still runs.
  const h = g.run(randomInputs(rng))
  h.cancel()
  await callAsync('graph.run cancelled', () => h)
  const again = randomInputs(rng)
  const c = await callAsync('graph.run', () => g.run(again))
  if (c.ok) compare('after a cancel', nodes, c.value, reference(nodes, again))
}

function hostileName(rng) {
  if (rng.chance(0.1)) return hostileScalar(rng)
  return rng.chance(0.8) ? rng.pick(['a', 'x', '__proto__', 'then', 'constructor', 'toString', '', 'a\0b', '\uD800', 'n0']) : hostileString(rng)
}

function hostileFn(rng) {
  switch (rng.int(0, 7)) {
    case 0:
      return (a, b) => a + b
    case 1:
      return rng.pick(['sqrt', 'abs', 'nope', ''])
    case 2:
      return Promise.resolve(rng.pick(EDGE_NUMBERS))
    case 3: {
      // Handled here: add() may refuse the node before it takes the Promise.
      const failed = Promise.reject(new Error('constant failed'))
      failed.catch(() => {})
      return failed
    }
    case 4:
      // oxlint-disable-next-line eslint/no-extra-bind, typescript/no-extraneous-class -- a bound function and a class are the inputs under test
      return rng.pick([Math.sqrt, ((x) => x).bind(null), (...xs) => xs.length, ([v]) => v, class K {}])
    case 5:
      return trapProxy(rng, () => 1)
    default:
      return hostileScalar(rng)
  }
}

async function hostile(rng, ctx) {
  const g = ctx.np.graph()
  for (let k = rng.int(1, 8); k > 0; k--) {
    const opts = rng.chance(0.5) ? undefined : hostileOptions(rng, ['deps'], { deps: [['a'], ['x', 'y'], [], ['n0', 'n0']] })
    const name = hostileName(rng)
    const fn = hostileFn(rng)
    step(`add(${describe(name)}, ${describe(fn)}, ${describe(opts)})`)
    callSync('graph.add', () => g.add(name, fn, opts))
  }
  const given = rng.chance(0.3) ? hostileValue(rng) : Object.fromEntries(['a', 'x', 'y', 'then', '__proto__'].filter(() => rng.chance(0.5)).map((k) => [k, rng.chance(0.7) ? rng.pick(EDGE_NUMBERS) : hostileScalar(rng)]))
  const opts = rng.chance(0.5) ? undefined : hostileOptions(rng, ['signal', 'timeout'], { signal: [AbortSignal.abort('fuzz'), undefined], timeout: [0, 1, 1000] })
  step(`run(${describe(given)}, ${describe(opts)})`)
  await callAsync('graph.run', () => g.run(given, opts))
  callSync('graph.stats', () => g.stats())
}

/** A short, never-throwing description of a hostile value for the step label. */
function describe(v) {
  try {
    if (typeof v === 'function') return `fn ${Function.prototype.toString.call(v).slice(0, 40)}`
    if (typeof v === 'string') return JSON.stringify(v)
    if (typeof v !== 'object' || v === null) return String(v)
    return Object.prototype.toString.call(v)
  } catch {
    return '(undescribable)'
  }
}

/** The `graph` fuzz kind. */
export const graphCase = {
  name: 'graph',
  steps: 40,
  async run(rng, ctx) {
    if (rng.chance(0.5)) await differential(rng, ctx)
    else await hostile(rng, ctx)
  },
}
