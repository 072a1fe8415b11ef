'use strict'
// The worker engine's wire format: one v8.Serializer stream per batch (tasks
// going out, results coming back), with postMessage's structured-clone
// semantics. Node's v8.Deserializer cannot revive a SharedArrayBuffer, so
// ArrayBuffer views are written as host objects: a view over a
// SharedArrayBuffer as (its index in the batch's `sabs` list, offset,
// length), any other view as its ArrayBuffer (written by V8, so two views of
// one buffer still share it after the trip) plus offset and length. The
// `sabs` and the ArrayBuffers to transfer travel next to the bytes, by the
// worker's MessagePort; the stream's first number says whether they do.
//
// Stream layout: header, flags (varint), then when flags & OOB the engine id
// (varint), then one value; when flags & BY_PORT, no value: it is the
// out-of-band message's own (`encodeByPort`). All-primitive batches and results take the short
// format instead (small.js; its first byte tells them apart), which `decode` reads too.

const v8 = require('node:v8')
const small = require('./small.js')

/** Set in a stream's flags when SharedArrayBuffers or transfers travel by port. */
const OOB = 1
/** Set (with OOB) when the value itself travels by port, as a postMessage (see `encodeByPort`). */
const BY_PORT = 2

/** View constructors, by tag. */
const VIEWS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
]
const SHARED = 0x100 // tag bit: the view's buffer is sabs[index]
const BARE = 0x200 // tag bit: a bare SharedArrayBuffer (see `bareShared`)

/**
 * Top-level arguments that are bare SharedArrayBuffers are sent as a
 * Uint8Array over them recorded here, and revived as the buffer itself.
 * @type {WeakSet<Uint8Array>}
 */
const bareViews = new WeakSet()

/**
 * Wraps a bare SharedArrayBuffer so that the stream can carry it (V8 asks for
 * an id that Node's Deserializer cannot resolve).
 * @param {SharedArrayBuffer} sab
 */
function bareShared(sab) {
  const view = new Uint8Array(sab)
  bareViews.add(view)
  return view
}

/**
 * The error a value that cannot be cloned throws: a DOMException named
 * DataCloneError, as structuredClone's and postMessage's.
 * @param {string} message
 */
function dataCloneError(message) {
  return new DOMException(message, 'DataCloneError')
}

/** @param {ArrayBufferView} view */
function viewTag(view) {
  const tag = VIEWS.indexOf(/** @type {any} */ (view.constructor))
  if (tag >= 0) return tag
  for (let t = 0; t < VIEWS.length; t++) if (view instanceof VIEWS[t]) return t
  return 1
}

class Encoder extends v8.Serializer {
  constructor() {
    super()
    const self = /** @type {any} */ (this)
    // oxlint-disable-next-line no-underscore-dangle -- Node's documented v8.Serializer protected method
    self._setTreatArrayBufferViewsAsHostObjects(true)
    /** @type {SharedArrayBuffer[]} */
    this.sabs = []
  }

  /** @param {string} message */
  _getDataCloneError(message) {
    return dataCloneError(message)
  }

  /** @param {SharedArrayBuffer} _sab */
  _getSharedArrayBufferId(_sab) {
    throw dataCloneError(
      'A SharedArrayBuffer nested in a value cannot be sent to a worker: pass it as a top-level argument, or pass a typed array over it (it is shared, not copied).',
    )
  }

  /** @param {ArrayBufferView} view */
  _writeHostObject(view) {
    if (!ArrayBuffer.isView(view)) throw dataCloneError(`${Object.prototype.toString.call(view)} could not be cloned.`)
    const tag = viewTag(view)
    const buffer = view.buffer
    if (buffer instanceof SharedArrayBuffer) {
      let i = this.sabs.indexOf(buffer)
      if (i < 0) i = this.sabs.push(buffer) - 1
      this.writeUint32(tag | SHARED | (bareViews.has(/** @type {Uint8Array} */ (view)) ? BARE : 0))
      this.writeUint32(i)
    } else {
      this.writeUint32(tag)
      this.writeValue(buffer)
    }
    this.writeUint32(view.byteOffset)
    this.writeUint32(view instanceof DataView ? view.byteLength : /** @type {Uint8Array} */ (view).length)
  }
}

class Decoder extends v8.Deserializer {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    super(bytes)
    /** @type {SharedArrayBuffer[]} */
    this.sabs = []
  }

  _readHostObject() {
    const tag = this.readUint32()
    const buffer = tag & SHARED ? this.sabs[this.readUint32()] : this.readValue()
    const offset = this.readUint32()
    const length = this.readUint32()
    if (tag & BARE) return buffer
    const View = VIEWS[tag & 0xff]
    if (View === undefined || buffer === undefined) throw dataCloneError('Unable to deserialize cloned data.')
    return new (/** @type {any} */ (View))(buffer, offset, length)
  }
}

/**
 * Out-of-band data of a stream: SharedArrayBuffers and transferred ArrayBuffers.
 * @typedef {{ sabs: SharedArrayBuffer[], transfers: ArrayBuffer[], seq: number, value?: unknown }} OutOfBand
 */

let seqCounter = 0
/**
 * The number that pairs a stream with its out-of-band message (uint32,
 * increasing per sending environment, wrapping). A message can be left
 * unread on a port (a result whose tasks were all cancelled while it ran is
 * never decoded): the receiver skips such messages up to the one its stream
 * names, instead of handing one stream another's buffers.
 */
function nextSeq() {
  seqCounter = (seqCounter + 1) >>> 0
  return seqCounter
}

/**
 * Serializes `value`; `transfers` are moved (by port) instead of copied.
 * Throws a DataCloneError when something in it cannot be cloned.
 * @param {unknown} value
 * @param {ArrayBuffer[] | undefined} transfers
 * @param {number} engine written when out-of-band data travels
 * @returns {{ bytes: Buffer, oob: OutOfBand | undefined }}
 */
function encode(value, transfers, engine) {
  const s = new Encoder()
  const seq = nextSeq()
  s.writeHeader()
  const hasTransfers = transfers !== undefined && transfers.length > 0
  if (hasTransfers) {
    for (let i = 0; i < transfers.length; i++) s.transferArrayBuffer(i, transfers[i])
  }
  // The flags are not known before the value is written: write the value
  // into a first stream, then the real one only if out-of-band data appeared
  // (rare), so the common case writes once.
  s.writeUint32(hasTransfers ? OOB : 0)
  if (hasTransfers) {
    s.writeUint32(engine)
    s.writeUint32(seq)
  }
  s.writeValue(value)
  if (s.sabs.length === 0 || hasTransfers) {
    const bytes = s.releaseBuffer()
    return { bytes, oob: hasTransfers ? { sabs: s.sabs, transfers: /** @type {ArrayBuffer[]} */ (transfers), seq } : undefined }
  }
  const again = new Encoder()
  again.writeHeader()
  again.writeUint32(OOB)
  again.writeUint32(engine)
  again.writeUint32(seq)
  again.writeValue(value)
  return { bytes: again.releaseBuffer(), oob: { sabs: again.sabs, transfers: [], seq } }
}

/**
 * The ArrayBuffer of `bytes` when `bytes` is all of it, as for what
 * `encode` returns (a `v8.Serializer`'s released buffer): the native side
 * detaches it once it has copied the bytes, so that they are freed at once
 * instead of counting as external memory until a collection (V8 starts a
 * major one at every 64 MB of it). Else undefined: a view into a buffer
 * that is reused or shared (the short format's scratch buffer) must stay.
 * @param {Uint8Array} bytes
 * @returns {ArrayBuffer | undefined}
 */
function ownBuffer(bytes) {
  const buffer = bytes.buffer
  return bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && buffer instanceof ArrayBuffer ? buffer : undefined
}

/**
 * A stream whose value travels by port: `oob.value`, to be posted (it is
 * cloned there, by Node's own serializer) with `oob.transfers` as the
 * transfer list. For bulky results: a v8.Serializer keeps every object it
 * wrote reachable until the collector frees the Serializer itself, which
 * young-generation collections do not, so a worker that encodes its
 * results that way promotes them all to the old generation (measured: 80
 * MB against 5 over 400k records, 2x the scavenge time, and old-generation
 * collections on the GC threads). postMessage serializes with a serializer
 * that is gone when it returns, and shares SharedArrayBuffers itself (so
 * `values` holds them bare, not wrapped by `bareShared`).
 * @param {unknown[]} values
 * @param {ArrayBuffer[] | undefined} transfers
 * @param {number} engine
 * @returns {{ bytes: Buffer, oob: OutOfBand }}
 */
function encodeByPort(values, transfers, engine) {
  const s = new v8.Serializer()
  const seq = nextSeq()
  s.writeHeader()
  s.writeUint32(OOB | BY_PORT)
  s.writeUint32(engine)
  s.writeUint32(seq)
  return { bytes: s.releaseBuffer(), oob: { sabs: [], transfers: transfers ?? [], seq, value: values } }
}

/**
 * Reads a stream (a short one, lib/engine/small.js, also as a latin1
 * string, or a v8 one) and its flags. When they say out-of-band data
 * travels, `receive(engine, seq)` must return it (read from the right port:
 * the message whose `seq` is the stream's, skipping older ones, see `takeOutOfBand`).
 * @param {Uint8Array | string} bytes
 * @param {(engine: number, seq: number) => OutOfBand | undefined} receive
 */
function decode(bytes, receive) {
  if (small.isShort(bytes)) return small.decode(bytes)
  if (typeof bytes === 'string') throw dataCloneError('Unable to deserialize cloned data.')
  const d = new Decoder(bytes)
  d.readHeader()
  const flags = d.readUint32()
  if (flags & OOB) {
    const engine = d.readUint32()
    const seq = d.readUint32()
    const oob = receive(engine, seq)
    if (oob === undefined) throw dataCloneError('Unable to deserialize cloned data: its shared buffers did not arrive.')
    if (flags & BY_PORT) return oob.value
    d.sabs = oob.sabs
    for (let i = 0; i < oob.transfers.length; i++) d.transferArrayBuffer(i, oob.transfers[i])
  }
  return d.readValue()
}

/**
 * The out-of-band message `seq` from a port's messages in order (`next()`
 * returns the next one, or undefined when none is left): earlier ones, whose
 * streams were never decoded, are dropped (their buffers with them). Other
 * messages go to `other` (a worker's cancels).
 * @param {() => unknown} next
 * @param {number} seq
 * @param {(message: unknown) => void} [other]
 * @returns {OutOfBand | undefined}
 */
function takeOutOfBand(next, seq, other) {
  for (;;) {
    const m = /** @type {any} */ (next())
    if (m === undefined) return undefined
    if (m === null || typeof m !== 'object' || typeof m.seq !== 'number' || !Array.isArray(m.sabs)) {
      if (other !== undefined) other(m)
      continue
    }
    if (m.seq === seq) return /** @type {OutOfBand} */ (m)
  }
}

/** Own properties of an error that `encodeError` does not copy as props. */
const SKIP = new Set(['stack', 'message', 'name', 'cause', 'errors'])

/**
 * Whether `value` clones (tested on its own; only error paths call this).
 * @param {unknown} value
 */
function clones(value) {
  try {
    encode(value, undefined, 0)
    return true
  } catch {
    return false
  }
}

/**
 * What a thrown value travels as: an Error as its name, message, stack,
 * cause and own properties (e.g. `code`), everything that clones; any other
 * thrown value as itself (or its String when it cannot be cloned).
 * @param {unknown} e
 */
function encodeError(e) {
  if (!(e instanceof Error) && !(e instanceof DOMException)) {
    if (clones(e)) return { error: false, value: e }
    return { error: false, value: String(e) }
  }
  const err = /** @type {Error & Record<string, unknown>} */ (e)
  /** @type {Record<string, unknown>} */
  const props = {}
  for (const key of Object.keys(err)) {
    if (SKIP.has(key)) continue
    let v
    try {
      v = err[key]
    } catch {
      continue
    }
    if (clones(v)) props[key] = v
  }
  /** @type {Record<string, unknown>} */
  const out = {
    error: true,
    dom: e instanceof DOMException,
    name: String(err.name),
    message: String(err.message),
    stack: typeof err.stack === 'string' ? err.stack : undefined,
    props,
  }
  if ('cause' in err) {
    const cause = err.cause
    out.cause = cause instanceof Error ? encodeError(cause) : clones(cause) ? { error: false, value: cause } : { error: false, value: String(cause) }
  }
  if (e instanceof AggregateError && Array.isArray(e.errors)) out.errors = e.errors.map(encodeError)
  return out
}

/** @type {Record<string, ErrorConstructor>} */
const STANDARD = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
}

/**
 * The value a task rejects with, from `encodeError`'s form: an Error of the
 * same standard class (or an Error named as the original), with its message,
 * stack, cause and own properties.
 * @param {any} enc
 * @returns {unknown}
 */
function reviveError(enc) {
  if (enc === null || typeof enc !== 'object' || enc.error !== true) return enc?.value
  /** @type {any} */
  let e
  if (enc.dom) {
    e = new DOMException(enc.message, enc.name)
  } else if (enc.name === 'AggregateError' || Array.isArray(enc.errors)) {
    e = new AggregateError((enc.errors ?? []).map(reviveError), enc.message)
  } else {
    const Ctor = STANDARD[enc.name] ?? Error
    e = new Ctor(enc.message)
    if (Ctor === Error && enc.name !== 'Error') {
      Object.defineProperty(e, 'name', { value: enc.name, writable: true, configurable: true, enumerable: false })
    }
  }
  if (enc.stack !== undefined) {
    try {
      Object.defineProperty(e, 'stack', { value: enc.stack, writable: true, configurable: true, enumerable: false })
    } catch {
      // keep the new stack
    }
  }
  if (enc.cause !== undefined) {
    Object.defineProperty(e, 'cause', { value: reviveError(enc.cause), writable: true, configurable: true, enumerable: false })
  }
  Object.assign(e, enc.props)
  return e
}

/**
 * `move(x)`: hands `x`'s ArrayBuffer over instead of copying it, as the
 * `transfer` option does. Used as a top-level argument or as the value a
 * worker function returns.
 * @template T
 */
// oxlint-disable-next-line typescript/no-extraneous-class -- a marker that prepareArgs tells apart with instanceof
class Moved {
  /** @param {T} value */
  constructor(value) {
    this.value = value
  }
}

/**
 * The ArrayBuffer that moving `value` transfers, or a TypeError.
 * @param {unknown} value
 * @param {string} name for the error
 * @returns {ArrayBuffer}
 */
function transferable(value, name) {
  if (value instanceof ArrayBuffer) return value
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return value.buffer
  const { invalidType } = require('../errors.js')
  throw invalidType(name, 'an ArrayBuffer or a view over one (a SharedArrayBuffer is shared, never moved)', value)
}

/**
 * Marks `value` (an ArrayBuffer or a view over one) to be moved, not copied:
 * after the call that sends it, the sender's buffer is detached.
 * @template T
 * @param {T} value
 * @returns {T}
 */
function move(value) {
  transferable(value, 'value')
  return /** @type {T} */ (/** @type {unknown} */ (new Moved(value)))
}

/**
 * Replaces top-level `Moved` markers and bare SharedArrayBuffers in `args`
 * (in place), collecting the buffers to transfer into `transfers`.
 * @param {unknown[]} args
 * @param {ArrayBuffer[] | undefined} transfers
 * @returns {ArrayBuffer[] | undefined}
 */
function prepareArgs(args, transfers) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (typeof a !== 'object' || a === null) continue
    if (a instanceof Moved) {
      const buffer = transferable(a.value, `args[${i}]`)
      transfers ??= []
      if (!transfers.includes(buffer)) transfers.push(buffer)
      args[i] = a.value
    } else if (a instanceof SharedArrayBuffer) {
      args[i] = bareShared(a)
    }
  }
  return transfers
}

module.exports = {
  takeOutOfBand,
  ownBuffer,
  OOB,
  Encoder,
  Decoder,
  encode,
  encodeByPort,
  decode,
  encodeError,
  reviveError,
  dataCloneError,
  bareShared,
  Moved,
  move,
  prepareArgs,
  transferable,
}
