import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { crc32 } from 'node:zlib'

import test from 'ava'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

test('an idle process exits at once after its tasks', (t) => {
  const start = Date.now()
  const r = spawnSync(process.execPath, [fixture('idle.cjs')], { encoding: 'utf8', timeout: 10_000 })
  const elapsed = Date.now() - start
  t.is(r.status, 0, r.stderr)
  t.is(r.stdout.trim(), 'done 1')
  t.true(elapsed < 1000 + 500 /* node start-up */, `took ${elapsed} ms`)
})

test('a pending task keeps the process alive until it resolves', (t) => {
  const r = spawnSync(process.execPath, [fixture('pending.mjs')], { encoding: 'utf8', timeout: 10_000 })
  t.is(r.status, 0, r.stderr) // 13 would mean "unsettled top-level await"
  const m = /resolved 7 after (\d+) ms/.exec(r.stdout)
  t.truthy(m, r.stdout)
  t.true(Number(m![1]) >= 290)
})

test('4 worker_threads load the addon and run tasks at once', async (t) => {
  const n = 20_000
  const runs = [0, 1, 2, 3].map(
    (k) =>
      new Promise<{ sum: number; crc: number; code: number }>((resolve, reject) => {
        const w = new Worker(fixture('worker-tasks.cjs'), { workerData: { n, offset: k * 1000 } })
        let msg: { sum: number; crc: number }
        w.on('message', (m) => (msg = m))
        w.on('error', reject)
        w.on('exit', (code) => resolve({ ...msg, code }))
      }),
  )
  const results = await Promise.all(runs)
  results.forEach((r, k) => {
    const offset = k * 1000
    t.is(r.code, 0)
    t.is(r.sum, (n * (n - 1)) / 2 + n * offset)
    t.is(r.crc, crc32(`worker-${offset}`))
  })
})

test('terminating a worker with a task in flight does not crash the process', (t) => {
  const start = Date.now()
  const r = spawnSync(process.execPath, [fixture('terminate-in-flight.cjs')], { encoding: 'utf8', timeout: 60_000 })
  const elapsed = Date.now() - start
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { waited: 'ok', busy: 1, value: 5, running: 0 })
  t.true(elapsed < 30_000, `took ${elapsed} ms`)
})
