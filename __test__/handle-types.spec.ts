import test from 'ava'

import { type TaskHandle, ping, spawn } from '../index.js'

// Type-checked by `tsc --noEmit -p .`: a TaskHandle is assignable to Promise
// (issue 15 item 2), and keeps its own members.
test('a TaskHandle is a Promise to TypeScript and at runtime', async (t) => {
  const p: Promise<number> = ping(1)
  const h: TaskHandle<number> = spawn((a: number, b: number) => a * b, [6, 7])
  const both: Promise<[number, number]> = Promise.all([p, h])
  const chained: Promise<string> = h.then((v) => String(v))
  t.true(p instanceof Promise)
  t.is(typeof h.id, 'number')
  t.is(typeof h.cancel, 'function')
  t.deepEqual(await both, [1, 42])
  t.is(await chained, '42')
  async function f(): Promise<number> {
    return ping(3)
  }
  t.is(await f(), 3)
})
