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
