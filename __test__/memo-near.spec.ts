// The per-thread near cache in front of the native Memo (lib/memo.js): a
// primitive value read once is served from JS until its key's generation
// slot changes. These tests check that no write, delete, clear, eviction or
// expiry, from this handle, another handle or another thread, is ever missed.
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { Memo } from '../index.js'

const INDEX = new URL('../index.js', import.meta.url).pathname

test('near hits are counted in stats() exactly', (t) => {
  const m = new Memo()
  m.set('k', 'v')
  m.set(1, 2)
  for (let i = 0; i < 1000; i++) {
    t.is(m.get('k'), 'v')
    t.is(m.get(1), 2)
  }
  t.is(m.get('missing'), undefined)
  const s = m.stats()
  t.is(s.hits, 2000)
  t.is(s.misses, 1)
})

test('a write, delete or clear through another handle is seen at once', (t) => {
  const name = `near-handles-${process.pid}`
  const a = Memo.shared(name)
  const b = Memo.shared(name)
  for (let round = 0; round < 200; round++) {
    b.set('k', `v${round}`)
    for (let i = 0; i < 5; i++) t.is(a.get('k'), `v${round}`)
    if (round % 3 === 1) {
      b.delete('k')
      t.is(a.get('k'), undefined)
    } else if (round % 3 === 2) {
      b.clear()
      t.is(a.get('k'), undefined)
    }
  }
  // Same slot, different key: a write to a neighbour only costs a refresh.
  b.set(7, 'seven')
  t.is(a.get(7), 'seven')
  t.is(a.get('7'), undefined) // 7 and '7' are distinct keys here too
  t.true(Memo.dropShared(name))
})

test('get agrees with has after evictions under 10x overfill', (t) => {
  const m = new Memo({ maxEntries: 100 })
  for (let i = 0; i < 100; i++) m.set(`k${i}`, i)
  for (let r = 0; r < 3; r++) for (let i = 0; i < 100; i++) m.get(`k${i}`) // fill the near cache
  for (let i = 0; i < 1000; i++) m.set(`other${i}`, i)
  let live = 0
  for (let i = 0; i < 100; i++) {
    const has = m.has(`k${i}`)
    t.is(m.get(`k${i}`), has ? i : undefined, `k${i}`)
    if (has) live++
  }
  t.true(m.size <= 100)
  t.true(live < 100, 'the overfill evicted some of the first keys')
})

test('entries with a TTL are never served after they expire', async (t) => {
  const m = new Memo()
  m.set('short', 'x', { ttl: 40 })
  m.set('long', 'y')
  for (let i = 0; i < 100; i++) t.is(m.get('short'), 'x')
  await sleep(80)
  t.is(m.get('short'), undefined)
  t.is(m.get('long'), 'y')
})

test('a write from another thread is seen as soon as it returns', async (t) => {
  const name = `near-workers-${process.pid}`
  const memo = Memo.shared(name)
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const { Memo } = require(workerData.index)
     const memo = Memo.shared(workerData.name)
     parentPort.on('message', (m) => {
       if (m === 'stop') return parentPort.close()
       if (m.delete) memo.delete(m.key)
       else memo.set(m.key, m.value)
       parentPort.postMessage('done')
     })`,
    { eval: true, workerData: { name, index: INDEX } },
  )
  const ask = async (m: unknown) => {
    worker.postMessage(m)
    await once(worker, 'message')
  }
  for (let round = 0; round < 100; round++) {
    const key = round % 2 ? 'shared-key' : round
    await ask({ key, value: `r${round}` })
    for (let i = 0; i < 10; i++) t.is(memo.get(key), `r${round}`)
    if (round % 10 === 9) {
      await ask({ key, delete: true })
      t.is(memo.get(key), undefined)
    }
  }
  worker.postMessage('stop')
  await once(worker, 'exit')
  t.true(Memo.dropShared(name))
})

test("a worker's near hits stay counted after it exits", async (t) => {
  const name = `near-stats-${process.pid}`
  const memo = Memo.shared(name)
  memo.set('k', 'v')
  const before = memo.stats().hits
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
     const { Memo } = require(workerData.index)
     const memo = Memo.shared(workerData.name)
     let ok = 0
     for (let i = 0; i < 1000; i++) if (memo.get('k') === 'v') ok++
     parentPort.postMessage(ok)`,
    { eval: true, workerData: { name, index: INDEX } },
  )
  // Listened for before the message: a worker that exits right after
  // posting can have both events emitted in one turn (seen under Node 24),
  // before an await on the message resumes.
  const exited = once(worker, 'exit')
  const [ok] = await once(worker, 'message')
  t.is(ok, 1000)
  t.is(memo.stats().hits - before, 1000)
  await exited
  t.is(memo.stats().hits - before, 1000)
  t.true(Memo.dropShared(name))
})
