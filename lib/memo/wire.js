'use strict'
// The Memo wire format, defined once in Rust (crates/memo/src/format.rs,
// `WIRE`) and read here once at load through the binding's
// `memoWireFormat()`: the value tags the codec writes and reads, and the
// layout of the `get` scratch block that native `get` fills.

const { memoWireFormat } = require('../load.js').binding

/** Every name the JS side uses; a missing one fails at load, not on first use. */
const NAMES = /** @type {const} */ ([
  'TAG_UNDEFINED',
  'TAG_NULL',
  'TAG_FALSE',
  'TAG_TRUE',
  'TAG_F64',
  'TAG_INT',
  'TAG_STR',
  'TAG_BIGINT',
  'TAG_ARRAY',
  'TAG_OBJECT',
  'TAG_BUFFER',
  'TAG_TYPED',
  'TAG_DATE',
  'TAG_ARRAYBUFFER',
  'SCRATCH_FLAG',
  'SCRATCH_NEAR_OK',
  'SCRATCH_NEAR_SLOT',
  'SCRATCH_NEAR_GEN',
  'SCRATCH_DATA',
  'FLAG_DIRECT',
  'FLAG_SCRATCH',
  'FLAG_BUFFER',
])

/** @typedef {{ readonly [K in (typeof NAMES)[number]]: number }} Wire */

/**
 * The wire constants the codec and the near cache use, checked: each one a
 * non-negative integer (a byte value for the tags and flags).
 * @returns {Wire}
 */
function load() {
  const table = memoWireFormat()
  /** @type {Record<string, number>} */
  const wire = {}
  for (const name of NAMES) {
    const v = table[name]
    const max = name.startsWith('SCRATCH_') ? 0xffff : 0xff
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new Error(`napi-parallel: the binding's Memo wire format lacks a valid ${name} (got ${String(v)}); rebuild the addon`)
    }
    wire[name] = v
  }
  return /** @type {Wire} */ (Object.freeze(wire))
}

const WIRE = load()

module.exports = { WIRE, NAMES }
