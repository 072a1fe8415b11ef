// The worker_thread side of the worker-termination case: signals that it is
// about to start (Atomics on a SharedArrayBuffer), then runs one long or
// never-ending job until the main thread terminates it.
import { workerData } from 'node:worker_threads'
import { createRequire } from 'node:module'

const np = createRequire(import.meta.url)('../index.js')
const flag = new Int32Array(workerData.flag)
const FOREVER = '(x) => { let s = 0; while (true) { s = s + 1 } return s }'

Atomics.store(flag, 0, 1)
Atomics.notify(flag, 0)
switch (workerData.mode) {
  case 'spawn-forever':
    np.spawn(FOREVER, [1]).catch(() => {})
    break
  case 'spawn-many':
    for (let i = 0; i < 50; i++) np.spawn(FOREVER, [i]).catch(() => {})
    break
  case 'map-sync-forever':
    np.parallelMapSync(new Float64Array(64), FOREVER)
    break
  case 'map-forever':
    np.parallelMap(new Float64Array(4096), FOREVER).catch(() => {})
    break
  case 'pings': {
    const loop = () => np.ping(1).then(loop, () => {})
    for (let i = 0; i < 200; i++) loop()
    break
  }
  default: {
    const m = np.Memo.shared('fuzz-workers')
    for (let i = 0; ; i++) m.set(i % 100, { i, s: '\uD800'.repeat(i % 7) })
  }
}
