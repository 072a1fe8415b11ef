// Random submit/close races: many tasks submitted to a Pool before, while
// and after `pool.close()` runs (synchronously after the call, in
// microtasks, in later turns). Oracle: every task settles, resolving to its
// value or rejecting with ERR_POOL_CLOSED (or ERR_QUEUE_FULL with maxQueue);
// close() resolves; afterwards nothing is queued or running, and a task
// submitted after close() resolved rejects with ERR_POOL_CLOSED.

import { callAsync, step, violation } from '../oracle.mjs'

const CLOSE_CODES = new Set(['ERR_POOL_CLOSED', 'ERR_QUEUE_FULL'])
const LOOP = '(n) => { let s = 0; for (let k = 0; k < n; k++) { s = s + k } return s }'

function submit(rng, np, pool, n) {
  const kind = rng.int(0, 4)
  const opts = { pool }
  switch (kind) {
    case 0:
      return { label: 'ping', want: n, run: () => np.ping(n, opts) }
    case 1: {
      const k = rng.pick([10, 1000, 200000])
      return { label: 'spawn', want: (k * (k - 1)) / 2, run: () => np.spawn(LOOP, [k], opts) }
    }
    case 2:
      return { label: 'parallelMap', check: (v) => v.length === 300 && v[299] === 300, run: () => np.parallelMap(new Float64Array(300).map((_, i) => i), (x) => x + 1, opts) }
    case 3:
      return { label: 'countLines', want: 3, run: () => np.countLines('a\nb\nc', opts) }
    default:
      return { label: 'split', check: (v) => v.join('|') === 'a|b|c', run: () => np.split('a,b,c', ',', opts) }
  }
}

export const closeRaceCase = {
  name: 'close-race',
  steps: 20,
  async run(rng, ctx, index) {
    const np = ctx.np
    const pool = new np.Pool({ threads: rng.int(1, 3), ...(rng.chance(0.2) ? { maxQueue: rng.int(1, 50) } : {}) })
    const total = rng.int(0, 400)
    const closeAt = rng.int(0, total)
    const settles = []
    let closing
    const track = (t, i, phase) => {
      settles.push(
        callAsync(`${t.label} #${i} (${phase})`, t.run, CLOSE_CODES, 30000).then((r) => {
          if (r.ok && t.want !== undefined && r.value !== t.want) violation('wrong-value', { call: t.label, want: t.want, got: r.value })
          if (r.ok && t.check && !t.check(r.value)) violation('wrong-value', { call: t.label })
        }),
      )
    }
    step(`#${index} ${total} tasks, close after ${closeAt}, ${pool.threads} thread(s)`)
    for (let i = 0; i < total; i++) {
      if (i === closeAt) closing = pool.close()
      const t = submit(rng, np, pool, i)
      const when = closing ? rng.int(0, 2) : 0
      if (when === 0) track(t, i, closing ? 'during close, sync' : 'before close')
      else if (when === 1) queueMicrotask(() => track(t, i, 'during close, microtask'))
      else setImmediate(() => track(t, i, 'during close, next turn'))
    }
    if (!closing) closing = pool.close()
    // A burst of cheap submissions right behind close(): its thread starts and
    // marks the pool closed while this loop is still submitting.
    const burst = rng.pick([0, 2000, 8000])
    for (let i = 0; i < burst; i++) track({ label: 'ping', want: i, run: () => np.ping(i, { pool }) }, total + i, 'burst during close')
    await new Promise((resolve) => setImmediate(resolve))
    const closed = await callAsync('Pool#close', () => closing, undefined, 30000)
    await Promise.all(settles)
    // Churn: many short-lived pools, each closed right after a few submissions, with a few more behind the close.
    const churn = rng.pick([0, 50, 200])
    step(`#${index} churn of ${churn} pools`)
    const churned = []
    for (let j = 0; j < churn; j++) {
      const p = new np.Pool({ threads: 1 })
      for (let i = rng.int(0, 3); i > 0; i--) track({ label: 'ping', want: i, run: () => np.ping(i, { pool: p }) }, j, 'churn before close')
      churned.push(callAsync('Pool#close (churn)', () => p.close(), undefined, 30000))
      for (let i = rng.int(0, 40); i > 0; i--) track({ label: 'ping', want: i, run: () => np.ping(i, { pool: p }) }, j, 'churn during close')
      if (rng.chance(0.3)) await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all([...churned, ...settles])
    if (closed.ok) {
      const s = pool.stats()
      if (s.queued !== 0 || s.running !== 0) violation('pool-not-drained', { queued: s.queued, running: s.running })
      const late = await callAsync('ping after close resolved', () => np.ping(1, { pool }), CLOSE_CODES, 10000)
      if (late.ok) violation('accepted-after-close', { call: 'ping' })
    }
  },
}
