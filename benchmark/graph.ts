/**
 * graph(): end-to-end run times from JS with the kernels already compiled
 * (the graph is built and run once before timing), every run recomputing
 * every node (an input changes each run). Issue 18's bars: 100 independent
 * formulas <= 0.2 ms, 60 formulas in 3 layers <= 0.1 ms, and a 10,000-node
 * random DAG against a hand-written `Promise.all` topological runner over
 * `spawn` (the way users build it today). The plain JS evaluation on the
 * main thread is printed for scale (it is not an alternative: compute stays
 * off the JS thread).
 */
import { graph, ping, spawn } from '../index.js'

import { compare } from './harness.ts'

type Formula = { name: string; deps: string[]; fn: (...a: number[]) => number }

// A few formula shapes, as a spreadsheet reuses a few formulas over many cells.
const SHAPES = [
  (a: number, b: number) => a * 1.5 + b,
  (a: number, b: number) => Math.sqrt(a * a + b * b),
  (a: number, b: number) => (a > b ? a - b : b - a) + 1,
  (a: number, b: number) => Math.sin(a) * Math.cos(b),
]

function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

/** n formulas over inputs x, y only. */
function independent(n: number): Formula[] {
  return Array.from({ length: n }, (_, i) => ({ name: `f${i}`, deps: ['x', 'y'], fn: SHAPES[i % SHAPES.length] }))
}

/** `layers` layers of `width` formulas, each taking two of the layer before (inputs x, y first). */
function layered(layers: number, width: number): Formula[] {
  const out: Formula[] = []
  let prev = ['x', 'y']
  for (let l = 0; l < layers; l++) {
    const cur: string[] = []
    for (let i = 0; i < width; i++) {
      const name = `l${l}_${i}`
      out.push({ name, deps: [prev[i % prev.length], prev[(i * 7 + 1) % prev.length]], fn: SHAPES[(i + l) % SHAPES.length] })
      cur.push(name)
    }
    prev = cur
  }
  return out
}

/** A random DAG: node i takes two nodes among the (up to 64) nodes before it, or the inputs. */
function randomDag(n: number, seed: number): Formula[] {
  const r = rng(seed)
  const names = ['x', 'y']
  const out: Formula[] = []
  for (let i = 0; i < n; i++) {
    const pick = () => names[Math.max(0, names.length - 1 - Math.floor(r() * Math.min(64, names.length)))]
    const name = `n${i}`
    out.push({ name, deps: [pick(), pick()], fn: SHAPES[Math.floor(r() * SHAPES.length)] })
    names.push(name)
  }
  return out
}

function build(formulas: Formula[]) {
  const g = graph()
  for (const f of formulas) g.add(f.name, f.fn, { deps: f.deps })
  return g
}

/** The plain JS evaluation (topological order is the given order). */
function evaluate(formulas: Formula[], x: number, y: number) {
  const v: Record<string, number> = { x, y }
  for (const f of formulas) v[f.name] = f.fn(v[f.deps[0]], v[f.deps[1]])
  return v
}

/** What users write today: a Promise per node, each node a `spawn` once its inputs resolved. */
function promiseAllRunner(formulas: Formula[], x: number, y: number) {
  const p: Record<string, Promise<number>> = { x: Promise.resolve(x), y: Promise.resolve(y) }
  for (const f of formulas) {
    p[f.name] = Promise.all(f.deps.map((d) => p[d])).then((args) => spawn(f.fn, args))
  }
  return Promise.all(formulas.map((f) => p[f.name]))
}

async function bench(title: string, formulas: Formula[], rounds: number, withRunner: boolean) {
  const g = build(formulas)
  // Every contender gets a new x each run, so every node recomputes.
  let xg = 0.25
  let xr = 0.25
  let xj = 0.25
  const contenders = [
    { name: 'graph().run (one native task)', run: () => g.run({ x: (xg += 1), y: 2 }) },
    ...(withRunner ? [{ name: 'Promise.all runner over spawn', run: () => promiseAllRunner(formulas, (xr += 1), 2) }] : []),
    { name: 'plain JS on the main thread (scale only)', run: () => evaluate(formulas, (xj += 1), 2) },
    { name: 'ping: one empty task round trip (the floor of any run)', run: () => ping(1) },
  ]
  await compare(title, contenders, {
    rounds,
    // Enough runs for V8 to optimize the run path (3 left the first section ~2x slow: JIT and heap warm-up).
    warmup: 30,
    extra: (ms) => ({ 'µs/node': +((ms * 1000) / formulas.length).toFixed(3) }),
  })
  // Correctness: one run against the JS reference.
  const got = await g.run({ x: 3, y: 2 })
  const want = evaluate(formulas, 3, 2)
  for (const f of formulas) if (!Object.is(got[f.name], want[f.name])) throw new Error(`${f.name}: ${got[f.name]} vs ${want[f.name]}`)
}

export async function main(): Promise<void> {
  await bench('100 independent formulas (bar: <= 0.2 ms)', independent(100), 51, true)
  await bench('60 formulas in 3 layers (bar: <= 0.1 ms)', layered(3, 20), 51, true)
  await bench('10,000-node random DAG', randomDag(10_000, 7), 15, true)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
