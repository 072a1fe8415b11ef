import { setImmediate as tick } from 'node:timers/promises'

import type { TaskHandle } from '../index.js'

/** Waits (without sleeping a fixed time) until the handle reports `status`. */
export async function waitForStatus(handle: TaskHandle<unknown>, status: string, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs
  while (handle.status !== status) {
    if (Date.now() > deadline) throw new Error(`status stayed ${handle.status}, wanted ${status}`)
    await tick()
  }
}

/** Cuts `buf` into pieces of the given sizes (cycling). */
export function cut(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length])
    out.push(buf.subarray(at, at + n))
    at += n
  }
  return out
}
