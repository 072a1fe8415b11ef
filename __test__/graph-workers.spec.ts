// Planned graphs live in a process-wide native table; each environment's
// are released when it is torn down (a worker's FinalizationRegistry never
// runs then). Its own file: the main thread plans no graph, so the live
// count is exact.
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { graphAffected, graphRelease, internal } from '../binding.js'
import { graph } from '../index.js'

function runWorker(count: number, hang: boolean) {
  const w = new Worker(new URL('./fixtures/graph-worker.cjs', import.meta.url), { workerData: { count, hang } })
  const report = new Promise<{ live: number; kept: number; handle: number; error?: string }>((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  const exited = new Promise<number>((resolve) => w.once('exit', resolve))
  return { w, report, exited }
}

test.serial("a worker's graphs are released when it exits or is terminated", async (t) => {
  const before = internal.graphLiveCount()
  const done = runWorker(40, false)
  const r1 = await done.report
  t.is(r1.error, undefined)
  t.is(r1.live, before + 41)
  t.is(await done.exited, 0)
  t.is(internal.graphLiveCount(), before)
  const hung = runWorker(25, true)
  const r2 = await hung.report
  t.is(r2.live, before + 26)
  await hung.w.terminate()
  await hung.exited
  t.is(internal.graphLiveCount(), before)
})

test.serial('a graph handle is only live in the environment that planned it', async (t) => {
  const g = graph().add('y', (x: number) => x + 1)
  t.deepEqual(await g.run({ x: 1 }), { y: 2 })
  const before = internal.graphLiveCount()
  const w = runWorker(3, true)
  const { handle } = await w.report
  t.is(internal.graphLiveCount(), before + 4)
  // The worker's handle, used here: not a live handle; releasing it is ignored.
  t.throws(() => graphAffected(handle, new Uint8Array(2)), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /handle/ })
  graphRelease(handle)
  t.is(internal.graphLiveCount(), before + 4)
  await w.w.terminate()
  await w.exited
  t.is(internal.graphLiveCount(), before)
  // The main thread's own graph is untouched by the worker's teardown.
  t.deepEqual(await g.run({ x: 41 }), { y: 42 })
})
