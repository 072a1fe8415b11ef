// The short, fixed-seed run of the hostile-input fuzz (fuzz/): each case
// kind runs in its own child process, so a crash (signal, abort) or hang
// (killed at the deadline) is a failing test that names the seed, the step
// and a one-line repro. `npm run fuzz` is the long, random-seeded run.

import test from 'ava'

import { describeOutcome, runCase } from '../fuzz/runner.mjs'

interface ShortCase {
  kind: string
  seed: string
  steps?: number
  scale?: number
  timeoutMs: number
  what: string
}

// Bounded so that the whole file takes ~20-40 s on 2 cores once nothing crashes.
const CASES: ShortCase[] = [
  { kind: 'kernel-corners', seed: '1', timeoutMs: 60_000, what: "the issue's deep and wide kernels (1e6 unary ops, 3e5 Math.hypot arguments, 2e4 live locals, 64 KiB stacks)" },
  { kind: 'kernel', seed: '1', steps: 16, scale: 0.005, timeoutMs: 30_000, what: 'random deep and wide kernels, checked against V8' },
  { kind: 'options', seed: '1', steps: 12, timeoutMs: 30_000, what: 'random arguments and option objects (Proxies, throwing getters, NUL bytes, detached buffers) for every export' },
  { kind: 'native', seed: '1', steps: 10, timeoutMs: 30_000, what: 'the native binding with hand-built task args ({ id, timeout: 1e308 }) and a NativeMemo scratch taken away' },
  { kind: 'memo', seed: '1', steps: 8, timeoutMs: 30_000, what: 'Memo and memoize against a Map model: lone surrogates, re-entrant getters, evictions' },
  { kind: 'reduce', seed: '1', steps: 30, timeoutMs: 45_000, what: 'random reductions and custom reducers against their JS references on pools of 1, 2 and 4 threads' },
  { kind: 'inspect', seed: '1', steps: 40, timeoutMs: 45_000, what: 'inspectFunction on mutated, deeply nested and hostile sources: an answer or a coded error, never a crash' },
  { kind: 'graph', seed: '1', steps: 40, timeoutMs: 45_000, what: 'random kernel DAGs on edge numbers against JS (first run, incremental, overlapping, cancelled) and hostile add()/run() arguments' },
  { kind: 'engine-fn', seed: '1', steps: 20, timeoutMs: 30_000, what: 'engineDefine/engineFunction with hostile engines, ids and specs; worker echoes of edge primitives exact' },
  { kind: 'wire', seed: '1', steps: 20, timeoutMs: 30_000, what: "the worker engine's wire formats: random values (bulky, lent, shared, cyclic, uncloneable) through codec, small and a worker against structuredClone; mutated streams decode or throw" },
  { kind: 'close-race', seed: '1', steps: 3, timeoutMs: 45_000, what: 'tasks submitted while pool.close() runs all settle' },
  { kind: 'worker-term', seed: '1', steps: 1, timeoutMs: 45_000, what: 'worker_threads terminated mid-task; the process exits on its own' },
  { kind: 'worker-term', seed: '22', steps: 1, timeoutMs: 45_000, what: 'worker_threads terminated mid-task; then process.exit() returns' },
]

for (const c of CASES) {
  test.serial(`fuzz ${c.kind} (seed ${c.seed}): ${c.what}`, async (t) => {
    const o = await runCase(c.kind, c.seed, {
      steps: c.steps,
      scale: c.scale,
      timeoutMs: c.timeoutMs,
      env: { NAPI_PARALLEL_THREADS: '2' },
    })
    const report = describeOutcome(o)
    t.is(o.signal, null, report)
    t.is(o.verdict, 'ok', report)
    t.is(o.status, 0, report)
    t.deepEqual(o.violations, [], report)
    t.true(o.ms < c.timeoutMs, report)
  })
}
