// The Memo wire format is defined once, in Rust (crates/memo/src/format.rs,
// `WIRE`), and the JS codec (lib/memo/wire.js) takes its constants from the
// binding's `memoWireFormat()`. These tests check that both sides really use
// that one table: bytes built from its tags are what the native side reads,
// what the native `get` leaves in the scratch sits where the table says, and
// what the JS codec writes starts with the tag the table names for each kind.
// Any hard-coded constant on either side that drifts from the table fails here.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import test from 'ava'

import * as binding from '../binding.js'
import { Memo } from '../index.js'

const wire = binding.memoWireFormat()
// lib/memo/wire.js is CommonJS without typings of its own.
const { WIRE, NAMES } = createRequire(import.meta.url)('../lib/memo/wire.js') as {
  WIRE: Record<string, number>
  NAMES: readonly string[]
}

let n = 0
/** A fresh shared cache seen through both the JS class and a raw native handle. */
function pair() {
  const name = `memo-wire-${process.pid}-${n++}`
  return { name, memo: Memo.shared(name), raw: binding.NativeMemo.shared(name).fast() }
}

function f64(v: number) {
  const b = Buffer.alloc(8)
  b.writeDoubleLE(v)
  return [...b]
}

test('the JS side takes every constant it uses from the binding, unchanged', (t) => {
  t.true(NAMES.length >= 22)
  for (const name of NAMES) {
    t.is(typeof wire[name], 'number', name)
    t.is(WIRE[name], wire[name], name)
  }
  t.true(Object.isFrozen(WIRE))
  // Tags are bytes and no two kinds share one (Rust tests the same on its side).
  const tags = Object.keys(wire).filter((k) => k.startsWith('TAG_'))
  t.is(new Set(tags.map((k) => wire[k])).size, tags.length)
  for (const k of tags) t.true(wire[k] >= 0 && wire[k] <= 255, k)
})

test('no file of lib/memo/ spells a tag or scratch offset as a literal', (t) => {
  const dir = new URL('../lib/memo/', import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'))
  t.true(files.includes('codec.js') && files.includes('near.js'))
  for (const f of files) {
    const src = readFileSync(new URL(f, dir), 'utf8')
    // The old form: `const T_NULL = 1`, `const SCRATCH_DATA = 8`, `s[0] === 0` on the scratch.
    t.notRegex(src, /const (T|TAG|SCRATCH|FLAG)_[A-Z0-9_]+ = \d/, f)
    t.notRegex(src, /\bs\[\d\]/, f)
  }
})

test('top-level primitives built from the table are read by the native side', (t) => {
  const { raw, memo } = pair()
  const cases: Array<[number[], unknown]> = [
    [[wire.TAG_UNDEFINED], undefined],
    [[wire.TAG_NULL], null],
    [[wire.TAG_FALSE], false],
    [[wire.TAG_TRUE], true],
    [[wire.TAG_F64, ...f64(-1.5)], -1.5],
    [[wire.TAG_F64, ...f64(-0)], -0],
    [[wire.TAG_LATIN1, 0x68, 0xe9], 'h\u00e9'],
    [[wire.TAG_UTF16, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8], '\u{1f600}\ud800'],
  ]
  const scratch = new Uint8Array(raw.scratch)
  for (const [i, [bytes, want]] of cases.entries()) {
    const buf = Buffer.from(bytes)
    raw.setEncoded(`k${i}`, buf, buf.length)
    t.is(raw.get(`k${i}`), want, `raw ${bytes}`)
    t.is(scratch[wire.SCRATCH_FLAG], wire.FLAG_DIRECT)
    t.is(memo.get(`k${i}`), want, `Memo ${bytes}`)
  }
})

test('a complex value lands in the scratch at SCRATCH_DATA with FLAG_SCRATCH, a big one as a Buffer with FLAG_BUFFER', (t) => {
  const { raw, memo } = pair()
  const scratch = new Uint8Array(raw.scratch)
  t.is(scratch.byteLength, wire.SCRATCH_BYTES)
  // An array of two small ints: TAG_ARRAY, count 2, TAG_INT zigzag(1) = 2, TAG_INT zigzag(-1) = 1.
  const small = Buffer.from([wire.TAG_ARRAY, 2, wire.TAG_INT, 2, wire.TAG_INT, 1])
  raw.setEncoded('small', small, small.length)
  t.is(raw.get('small'), small.length)
  t.is(scratch[wire.SCRATCH_FLAG], wire.FLAG_SCRATCH)
  t.deepEqual([...scratch.subarray(wire.SCRATCH_DATA, wire.SCRATCH_DATA + small.length)], [...small])
  scratch[wire.SCRATCH_FLAG] = wire.FLAG_DIRECT
  t.deepEqual(memo.get('small'), [1, -1])

  // One byte too many for the scratch: a Buffer of the encoding.
  const room = wire.SCRATCH_BYTES - wire.SCRATCH_DATA
  const big = Buffer.alloc(room + 1)
  big[0] = wire.TAG_BUFFER
  // varint(room + 1 - 4) then the bytes: a Buffer value of that many bytes.
  const len = room + 1 - 4
  big[1] = (len & 0x7f) | 0x80
  big[2] = ((len >> 7) & 0x7f) | 0x80
  big[3] = len >> 14
  raw.setEncoded('big', big, big.length)
  const got = raw.get('big')
  t.is(scratch[wire.SCRATCH_FLAG], wire.FLAG_BUFFER)
  t.true(Buffer.isBuffer(got))
  t.deepEqual(got, big)
  scratch[wire.SCRATCH_FLAG] = wire.FLAG_DIRECT
  const v = memo.get('big') as Buffer
  t.true(Buffer.isBuffer(v))
  t.is(v.length, len)
})

test('the near-cache offer sits at SCRATCH_NEAR_OK, SCRATCH_NEAR_SLOT and SCRATCH_NEAR_GEN', (t) => {
  const { raw } = pair()
  const scratch = new Uint8Array(raw.scratch)
  const view = new DataView(raw.scratch)
  const gens = new Uint32Array(raw.generations)
  raw.set('p', 42)
  scratch[wire.SCRATCH_NEAR_OK] = 0
  t.is(raw.get('p'), 42)
  t.is(scratch[wire.SCRATCH_FLAG], wire.FLAG_DIRECT)
  t.is(scratch[wire.SCRATCH_NEAR_OK], 1)
  const slot = view.getUint16(wire.SCRATCH_NEAR_SLOT, true)
  t.true(slot < gens.length)
  t.is(view.getUint32(wire.SCRATCH_NEAR_GEN, true), gens[slot])
  // A write bumps that slot's generation: the offered one is then stale.
  const before = gens[slot]
  raw.set('p', 43)
  t.not(gens[slot], before)
  scratch[wire.SCRATCH_NEAR_OK] = 0
  // A TTL entry is never offered.
  raw.set('q', 1, 60_000)
  t.is(raw.get('q'), 1)
  t.is(scratch[wire.SCRATCH_NEAR_OK], 0)
})

test('the JS codec writes each kind with the tag the table names', (t) => {
  const { raw, memo } = pair()
  const first = (key: string) => {
    const b = raw.getCopy(key)
    t.true(Buffer.isBuffer(b), key)
    return b as Buffer
  }
  const kinds: Array<[string, unknown, number]> = [
    ['array', [1], wire.TAG_ARRAY],
    ['object', { a: 1 }, wire.TAG_OBJECT],
    ['bigint', 5n, wire.TAG_BIGINT],
    ['bigint-nested', [5n], wire.TAG_ARRAY],
    ['buffer', Buffer.from('ab'), wire.TAG_BUFFER],
    ['typed', new Float32Array([1, 2]), wire.TAG_TYPED],
    ['date', new Date(7), wire.TAG_DATE],
    ['arraybuffer', new ArrayBuffer(3), wire.TAG_ARRAYBUFFER],
  ]
  for (const [key, value, tag] of kinds) {
    memo.set(key, value)
    t.is(first(key)[0], tag, key)
  }
  // Nested scalars: [int, float, string, bigint, null, undefined, true, false].
  memo.set('nested', [3, 0.5, 'x', -2n, null, undefined, true, false])
  const b = first('nested')
  t.deepEqual(
    [...b],
    [
      wire.TAG_ARRAY, 8,
      wire.TAG_INT, 6,
      wire.TAG_F64, ...f64(0.5),
      wire.TAG_STR, 2, 0x78,
      wire.TAG_BIGINT, 1, 2, 0x32,
      wire.TAG_NULL,
      wire.TAG_UNDEFINED,
      wire.TAG_TRUE,
      wire.TAG_FALSE,
    ],
  )
  // And the bytes decode back through the raw handle's scratch as the same value.
  t.deepEqual(memo.get('nested'), [3, 0.5, 'x', -2n, null, undefined, true, false])
})
