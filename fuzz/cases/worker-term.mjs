// worker_threads terminated mid-task: each runs a long or never-ending job
// (spawn, parallelMap, parallelMapSync with a kernel that never ends, pings,
// Memo writes) and is terminated once it has started. Oracle: terminate()
// resolves, tasks of the main thread still complete (no starvation of the
// process-wide pool), and the process exits on its own or through
// process.exit() (the runner's timeout catches a hang).

import { Worker } from 'node:worker_threads'
import { setImmediate as tick } from 'node:timers/promises'

import { callAsync, step, violation } from '../oracle.mjs'

const TARGET = new URL('../worker-target.mjs', import.meta.url)
const MODES = ['spawn-forever', 'spawn-many', 'map-sync-forever', 'map-forever', 'own-pool', 'close-while-running', 'pings', 'memo']

async function started(flag, ms) {
  const view = new Int32Array(flag)
  const r = Atomics.waitAsync(view, 0, 0, ms)
  const value = r.async ? await r.value : r.value
  return value !== 'timed-out'
}

export const workerTermCase = {
  name: 'worker-term',
  steps: 4,
  async run(rng, ctx, index) {
    const np = ctx.np
    // Step 0 is always the pair: two never-ending spawns (more than enough to hold a
    // 2-thread default pool) and a never-ending parallelMapSync; later steps are random.
    const modes = index === 0 ? ['spawn-forever', 'spawn-forever', 'map-sync-forever'] : Array.from({ length: rng.int(1, 3) }, () => rng.pick(MODES))
    const workers = []
    for (const mode of modes) {
      const flag = new SharedArrayBuffer(4)
      const worker = new Worker(TARGET, { workerData: { mode, flag } })
      worker.on('error', () => {})
      workers.push({ worker, mode, flag })
    }
    step(`#${index} terminate ${workers.map((w) => w.mode).join(', ')}`)
    for (const w of workers) {
      if (!(await started(w.flag, 20000))) violation('worker-never-started', { mode: w.mode })
      for (let t = rng.int(0, 3); t > 0; t--) await tick()
    }
    await Promise.all(
      workers.map((w) =>
        callAsync(`terminate(${w.mode})`, () => w.worker.terminate(), undefined, 15000),
      ),
    )
    // The process-wide pool must still serve this thread.
    step(`#${index} main-thread tasks after terminating ${workers.map((w) => w.mode).join(', ')}`)
    const r = await callAsync('ping after terminate', () => np.ping(7), undefined, 15000)
    if (r.ok && r.value !== 7) violation('wrong-value', { call: 'ping', got: r.value })
    await callAsync('spawn after terminate', () => np.spawn('(a) => a + 1', [1]), undefined, 15000)
    await callAsync('parallelMap after terminate', () => np.parallelMap(new Float64Array(10000), (x) => x + 1), undefined, 15000)
  },
  async teardown(ctx) {
    // Half the seeds leave through process.exit(), which must not hang either.
    if (ctx.seed.length % 2 === 0) {
      step('process.exit()')
      process.exit(process.exitCode ?? 0)
    }
  },
}
