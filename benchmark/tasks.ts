/**
 * Per-task round-trip overhead: 100k trivial tasks in flight at once, and the
 * latency of one task at a time. Baselines: piscina running a trivial task,
 * and a napi-rs `async fn` compiled into the same addon (`internal.pingAsyncFn`, kept out of the package root).
 */
import { Piscina } from 'piscina'

import * as native from '../binding.js'
import { ping, spawn } from '../index.js'

import { compare } from './harness.ts'

/** The kernel `spawn` runs per task (the identity, so the check matches ping's): compiled once, then the hot path. */
const identity = (x: number) => x

const IN_FLIGHT = 100_000
const SEQUENTIAL = 2_000

/**
 * The floor: a plain JS Promise per task, resolved in batches from a
 * setImmediate callback, on the JS thread alone (no thread, no native call).
 */
function floorPromise(): (i: number) => Promise<number> {
  const pending: Array<[(v: number) => void, number]> = []
  let resolveNext: (v: number) => void = () => {}
  const capture = (resolve: (v: number) => void) => {
    resolveNext = resolve
  }
  const settleAll = () => {
    for (const [resolve, value] of pending.splice(0)) resolve(value)
  }
  return (i) => {
    const p = new Promise<number>(capture)
    if (pending.push([resolveNext, i]) === 1) setImmediate(settleAll)
    return p
  }
}

export async function main(): Promise<void> {
  const piscina = new Piscina({ filename: new URL('./workers/trivial.mjs', import.meta.url).href })
  const usPerTask = (n: number) => (ms: number) => ({ 'µs/task': +((ms * 1000) / n).toFixed(2) })
  const batch = (make: (i: number) => PromiseLike<number>) => async () => {
    const all = new Array<PromiseLike<number>>(IN_FLIGHT)
    for (let i = 0; i < IN_FLIGHT; i++) all[i] = make(i)
    const values = await Promise.all(all)
    return values[IN_FLIGHT - 1]
  }
  const check = (results: unknown[]) => {
    for (const r of results) if (r !== IN_FLIGHT - 1) throw new Error(`wrong result ${r}`)
  }
  await compare(
    `${IN_FLIGHT / 1000}k trivial tasks in flight`,
    [
      { name: 'piscina (trivial task)', run: batch((i) => piscina.run(i)) },
      { name: 'napi-rs async fn', run: batch((i) => native.internal.pingAsyncFn(i)) },
      { name: 'napi-parallel ping (TaskHandle)', run: batch((i) => ping(i)) },
      { name: 'napi-parallel spawn(kernel, [i])', run: batch((i) => spawn(identity, [i])) },
      { name: 'JS Promise, no thread (floor)', run: batch(floorPromise()) },
    ],
    { rounds: 7, warmup: 2, settleMs: 200, check, extra: usPerTask(IN_FLIGHT) },
  )
  const sequential = (make: (i: number) => PromiseLike<number>) => async () => {
    let last = 0
    for (let i = 0; i < SEQUENTIAL; i++) last = await make(i)
    return last
  }
  await compare(
    'latency: one task at a time',
    [
      { name: 'piscina (trivial task)', run: sequential((i) => piscina.run(i)) },
      { name: 'napi-rs async fn', run: sequential((i) => native.internal.pingAsyncFn(i)) },
      { name: 'napi-parallel ping (TaskHandle)', run: sequential((i) => ping(i)) },
      { name: 'napi-parallel spawn(kernel, [i])', run: sequential((i) => spawn(identity, [i])) },
    ],
    { rounds: 5, extra: usPerTask(SEQUENTIAL) },
  )
  await piscina.destroy()
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
