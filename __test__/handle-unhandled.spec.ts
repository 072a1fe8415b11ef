import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

// Issue 15 item 2: a handle is a Promise on every path. Run in a child
// process: whether Node reports an unhandled rejection is process-wide state.
const fixture = fileURLToPath(new URL('./fixtures/handle-unhandled.cjs', import.meta.url))

type Outcome = {
  reported: boolean
  status: string
  value?: number
  name?: string
  code?: string
  isError?: boolean
  cause?: unknown
  stackAtCall?: boolean
  listeners?: number
}

let outcomes: Record<string, Outcome> | undefined
function run(): Record<string, Outcome> {
  if (outcomes) return outcomes
  const start = Date.now()
  const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 30_000 })
  const elapsed = Date.now() - start
  if (r.signal !== null || r.status !== 0) throw new Error(`fixture: status ${r.status} signal ${r.signal}\n${r.stderr}`)
  if (elapsed > 20_000) throw new Error(`fixture took ${elapsed} ms`)
  outcomes = JSON.parse(r.stdout) as Record<string, Outcome>
  return outcomes
}

test('bad arguments to an unawaited call are an unhandled rejection', (t) => {
  const o = run()
  t.like(o.badOption, { reported: true, status: 'failed', name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
  t.like(o.badArgs, { reported: true, status: 'failed', name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
})

test('a timeout, with or without a signal, is an unhandled rejection when nobody handles it', (t) => {
  const o = run()
  t.like(o.timeout, { reported: true, status: 'cancelled', code: 'ERR_TASK_TIMEOUT' })
  t.like(o.signalTimeout, { reported: true, status: 'cancelled', code: 'ERR_TASK_TIMEOUT' })
  t.like(o.signalAbort, { reported: true, status: 'cancelled', name: 'AbortError', code: 'ABORT_ERR', cause: 'stop' })
  t.like(o.preAborted, { reported: true, status: 'cancelled', name: 'AbortError', cause: 'early' })
})

test('`timeout` and `signal: AbortSignal.timeout()` reject with one error shape', (t) => {
  const o = run()
  for (const k of ['timeout', 'signalTimeout']) {
    t.like(o[k], { isError: true, name: 'Error', code: 'ERR_TASK_TIMEOUT', status: 'cancelled' }, k)
  }
  t.is(o.signalTimeout.cause, 'TimeoutError') // the signal's reason, kept as `cause`
})

test("a timeout's stack points at the call that set it", (t) => {
  const o = run()
  t.true(o.timeout.stackAtCall, 'timeout option')
  t.true(o.signalTimeout.stackAtCall, 'AbortSignal.timeout()')
})

test("the caller's own cancel() is not reported, and still rejects an await", (t) => {
  const o = run()
  t.like(o.cancel, { reported: false, status: 'cancelled', name: 'AbortError', cause: 'mine' })
  t.like(o.cancelNoSignal, { reported: false, status: 'cancelled', name: 'AbortError', cause: 'mine' })
})

test('a handled rejection is not reported; a fulfilled handle removes its abort listener', (t) => {
  const o = run()
  t.like(o.handledSignalTimeout, { reported: false, code: 'ERR_TASK_TIMEOUT' })
  t.like(o.fulfilledWithSignal, { reported: false, status: 'done', value: 7, listeners: 0 })
})
