// Async scans without a serial copy (issue 15 item 9): SharedArrayBuffer-backed
// views are read in place (a reference keeps them alive), big plain Buffers are
// copied by every pool thread, and both stay safe when the caller changes or
// detaches its memory right after the call.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { countLines, countLinesSync, findAll, findAllSync, Pool, split, splitSync } from '../index.js'

const line = 'alpha,beta,gamma 😀\n'
const text = line.repeat(300_000) // ~6.6 MB: over the in-place and parallel-copy thresholds
const bytes = Buffer.from(text)

function sharedCopy(offset = 0): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length + offset), offset, bytes.length)
  view.set(bytes)
  return view
}

test('a SharedArrayBuffer-backed view: async results equal the sync ones and plain JS', async (t) => {
  for (const view of [sharedCopy(), sharedCopy(3), Buffer.from(sharedCopy(5).buffer, 5, bytes.length)]) {
    t.is(await countLines(view), 300_000)
    t.is(await countLines(view), countLinesSync(view))
    const offsets = (await split(view, '\n', { output: 'offsets' })) as Uint32Array
    t.deepEqual(offsets, splitSync(view, '\n', { output: 'offsets' }))
    t.is(offsets.length / 2, text.split('\n').length)
    const pieces = (await split(view, [',', '\n'], { output: 'buffers' })) as Buffer[]
    t.is(pieces.length, text.split(/,|\n/).length)
    t.is(pieces[2].toString(), 'gamma 😀')
    const found = await findAll(view, ['beta', '😀'])
    t.deepEqual(found, findAllSync(view, ['beta', '😀']))
    t.is(found.offsets.length, 600_000)
  }
})

test('small SharedArrayBuffer views (copied) and empty ones give the same answers', async (t) => {
  const small = new Uint8Array(new SharedArrayBuffer(9))
  small.set(Buffer.from('a\nb\r\nc\n\n'))
  t.is(await countLines(small), countLinesSync(small))
  t.deepEqual(await split(small, '\n', { output: 'offsets' }), splitSync(small, '\n', { output: 'offsets' }))
  const empty = new Uint8Array(new SharedArrayBuffer(0))
  t.is(await countLines(empty), 0)
})

test('a big plain Buffer (parallel copy): changing and detaching it after the call changes nothing', async (t) => {
  const fresh = () => {
    const u8 = new Uint8Array(new ArrayBuffer(bytes.length))
    u8.set(bytes)
    return u8
  }
  const clobber = (u8: Uint8Array<ArrayBuffer>) => {
    u8.fill(0x2c)
    structuredClone(u8.buffer, { transfer: [u8.buffer] })
  }
  const a = fresh()
  const counting = countLines(a)
  clobber(a)
  const b = fresh()
  const splitting = split(b, '\n', { output: 'offsets' })
  clobber(b)
  const c = fresh()
  const finding = findAll(c, ['beta'])
  clobber(c)
  t.is(await counting, 300_000)
  t.is(((await splitting) as Uint32Array).length / 2, text.split('\n').length)
  t.is((await finding).offsets.length, 300_000)
  t.is(a.byteLength, 0) // really detached
})

test('concurrent async scans of different big plain Buffers, each clobbered after its call, keep their own bytes', async (t) => {
  // countLines and a one-byte delimiter scan a plain Buffer in place during the call; several
  // delimiters and findAll copy it. Either way no call may see another's bytes or the clobbering.
  const variants = [0, 1, 2, 3].map((k) => {
    const piece = `${'x'.repeat(k + 1)},${k}\n`
    const body = piece.repeat(Math.ceil((5 << 20) / piece.length) + k * 1000)
    const u8 = new Uint8Array(new ArrayBuffer(Buffer.byteLength(body)))
    u8.set(Buffer.from(body))
    return { body, u8 }
  })
  const want = variants.map(({ body }) => ({
    count: body.split('\n').length - 1,
    pieces: body.split('\n').length,
    several: body.split(/,|\n/).length,
    found: body.split(',').length - 1,
  }))
  const pending = variants.map(({ u8 }) => {
    const calls = [
      countLines(u8),
      split(u8, '\n', { output: 'offsets' }),
      split(u8, [',', '\n'], { output: 'offsets' }),
      findAll(u8, [',']),
    ] as const
    u8.fill(0x0a) // all newlines now: a scan of these bytes would count many more lines
    return calls
  })
  for (const { u8 } of variants) structuredClone(u8.buffer, { transfer: [u8.buffer] })
  for (const [i, [counting, splitting, several, finding]] of pending.entries()) {
    t.is(await counting, want[i].count)
    const offsets = (await splitting) as Uint32Array
    t.is(offsets.length / 2, want[i].pieces)
    t.deepEqual([...offsets.subarray(0, 4)], [0, i + 3, i + 4, 2 * (i + 3) + 1])
    t.is(((await several) as Uint32Array).length / 2, want[i].several)
    t.is((await finding).offsets.length, want[i].found)
  }
})

test('in-place and copying async scans of a plain Buffer with a pool in the task options', async (t) => {
  // The in-place scan runs on `pool` during the call (as a blocking job, which pool.stats() does
  // not count); each call is then one task on `pool`, settled with the right result.
  const pool = new Pool({ threads: 1 })
  try {
    const before = pool.stats().completed
    t.is(await countLines(bytes, { pool }), 300_000)
    t.deepEqual(await split(bytes, '\n', { output: 'offsets', pool }), splitSync(bytes, '\n', { output: 'offsets' }))
    t.deepEqual(await findAll(bytes, [',', '\n'], { pool }), findAllSync(bytes, [',', '\n']))
    t.like(pool.stats(), { completed: before + 3, failed: 0, running: 0 })
  } finally {
    await pool.close()
  }
})

test('a shared view survives GC while only the job holds it, and is released after settling or aborting (child process)', (t) => {
  const started = Date.now()
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('./fixtures/split-shared.cjs', import.meta.url))], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')
  t.like(out, { count: 400_000, pieces: 400_001, releasedAfterSettle: true, aborted: 'AbortError', releasedAfterAbort: true })
  t.true(Date.now() - started < 120_000)
})

test('async scans of a big plain Buffer return while long kernels hold every pool thread (child process)', (t) => {
  const started = Date.now()
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./fixtures/split-busy-pool.cjs', import.meta.url))], { encoding: 'utf8', timeout: 60_000 })
  const elapsed = Date.now() - started
  t.is(r.signal, null, `killed after ${elapsed} ms: a call blocked the JS thread on the busy pool`)
  t.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')
  t.is(out.aborted, true)
  t.is(out.ok, true, r.stdout)
  t.true(out.n > 1)
  for (const s of out.statuses) t.not(s, 'done')
})
