// The worker_thread side of the worker-termination case: starts one long or
// never-ending job and signals (Atomics on a SharedArrayBuffer) once it is
// submitted, or just before a blocking call, then waits to be terminated.
import { workerData } from 'node:worker_threads'
import { createRequire } from 'node:module'

const np = createRequire(import.meta.url)('../index.js')
const flag = new Int32Array(workerData.flag)
const FOREVER = '(x) => { let s = 0; while (true) { s = s + 1 } return s }'

/** Tells the main thread the job is submitted (or about to block). */
function started() {
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
}

switch (workerData.mode) {
  case 'spawn-forever':
    np.spawn(FOREVER, [1]).catch(() => {})
    started()
    break
  case 'spawn-many':
    for (let i = 0; i < 50; i++) np.spawn(FOREVER, [i]).catch(() => {})
    started()
    break
  case 'map-sync-forever':
    started()
    np.parallelMapSync(new Float64Array(64), FOREVER)
    break
  case 'map-forever':
    np.parallelMap(new Float64Array(4096), FOREVER).catch(() => {})
    started()
    break
  case 'own-pool': {
    const pool = new np.Pool({ threads: 1 })
    np.spawn(FOREVER, [1], { pool }).catch(() => {})
    np.ping(1, { pool }).catch(() => {})
    started()
    break
  }
  case 'close-while-running': {
    const pool = new np.Pool({ threads: 1 })
    np.spawn(FOREVER, [1], { pool }).catch(() => {})
    pool.close().catch(() => {})
    started()
    break
  }
  case 'pings': {
    const loop = () => np.ping(1).then(loop, () => {})
    for (let i = 0; i < 200; i++) loop()
    started()
    break
  }
  default: {
    started()
    const m = np.Memo.shared('fuzz-workers')
    for (let i = 0; ; i++) m.set(i % 100, { i, s: '\uD800'.repeat(i % 7) })
  }
}
