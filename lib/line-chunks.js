'use strict'
// lineChunks(): a byte stream cut into Buffers of whole lines, each at least
// `minBytes` long (but the last: each ends at the first line end past
// that) and at most `maxBytes`, for handing to
// workers with move(): each chunk owns its memory (never a slice of Node's
// Buffer pool, whose ArrayBuffer cannot be transferred), and the chunks
// concatenated are the source's bytes exactly. A chunk ends after a '\n',
// so a '\r\n' is never split. Only views of the source chunks that make up
// the unfinished chunk are held between reads, and each byte is copied once
// (into its chunk).

const { invalidType, codeError } = require('./errors.js')
const { sourceOf, checkAttached, integerOption, asBuffer, INPUT_TYPE } = require('./split.js')

const LF = 0x0a
/** Default least bytes per chunk: a chunk's fixed cost (a task, a wake-up, a result) is small next to ~1 ms of parsing. */
const DEFAULT_MIN = 256 * 1024
/** Default most bytes a chunk may hold while no line end comes. */
const DEFAULT_MAX = 64 * 1024 * 1024

/**
 * @param {unknown} opts
 * @returns {{ minBytes: number, maxBytes: number }}
 */
function chunkOptions(opts) {
  if (opts !== undefined && opts !== null && typeof opts !== 'object') throw invalidType('options', 'of type object', opts)
  const o = /** @type {Record<string, unknown>} */ (opts ?? {})
  const minBytes = integerOption(o, 'minBytes', 1, 2 ** 31 - 1) ?? DEFAULT_MIN
  const maxBytes = integerOption(o, 'maxBytes', minBytes, Number.MAX_SAFE_INTEGER) ?? Math.max(DEFAULT_MAX, minBytes)
  return { minBytes, maxBytes }
}

/**
 * @param {number} maxBytes
 * @param {number} at the chunk's offset in the stream
 */
function chunkTooLong(maxBytes, at) {
  return codeError(RangeError, 'ERR_LINE_TOO_LONG', `No line end within maxBytes (${maxBytes}) of the chunk that starts at byte ${at}.`, { maxBytes, at })
}

/**
 * Cuts `source` into chunks of whole lines. See `lib/line-chunks.d.ts`.
 * Validation throws at once; stream errors surface from the iteration.
 * @param {unknown} source
 * @param {unknown} [opts]
 * @returns {AsyncGenerator<Buffer>}
 */
function lineChunks(source, opts) {
  const src = sourceOf(source)
  const { minBytes, maxBytes } = chunkOptions(opts)
  return chunks(src, minBytes, maxBytes)
}

/**
 * @param {AsyncIterable<unknown>} source
 * @param {number} minBytes
 * @param {number} maxBytes
 */
async function* chunks(source, minBytes, maxBytes) {
  /** The unfinished chunk's pieces (views of source chunks) and their size. @type {Buffer[]} */
  let pieces = []
  let size = 0
  /** Where the unfinished chunk's last line end is (bytes into it, after the '\n'), or 0 for none. */
  let lastEnd = 0
  let offset = 0 // where the unfinished chunk starts in the stream
  /** Cuts the first `n` bytes of the unfinished chunk into a Buffer of its own; the rest stays unfinished. */
  const cut = (/** @type {number} */ n) => {
    const out = Buffer.allocUnsafeSlow(n)
    let at = 0
    /** @type {Buffer[]} */
    const rest = []
    for (const p of pieces) {
      const take = Math.min(p.length, n - at)
      if (take > 0) out.set(take === p.length ? p : p.subarray(0, take), at)
      if (take < p.length) rest.push(p.subarray(take))
      at += take
    }
    pieces = rest
    size -= n
    lastEnd = 0
    offset += n
    return out
  }
  let highSurrogate = '' // a string chunk's last char, when it may pair with the next one's first
  for await (const chunk of source) {
    /** @type {Buffer} */
    let bytes
    if (typeof chunk === 'string') {
      let text = highSurrogate + chunk
      highSurrogate = ''
      const last = text.charCodeAt(text.length - 1)
      if (last >= 0xd800 && last <= 0xdbff) {
        highSurrogate = text[text.length - 1]
        text = text.slice(0, -1)
      }
      bytes = Buffer.from(text, 'utf8')
    } else if (chunk instanceof Uint8Array) {
      checkAttached(chunk, 'source chunk')
      bytes = asBuffer(chunk)
    } else throw invalidType('source chunk', INPUT_TYPE, chunk)
    if (highSurrogate !== '' && typeof chunk !== 'string') {
      // A lone high surrogate before bytes: as Buffer.from encodes it.
      bytes = Buffer.concat([Buffer.from(highSurrogate, 'utf8'), bytes])
      highSurrogate = ''
    }
    let from = 0
    while (from < bytes.length) {
      const room = maxBytes - size // bytes the unfinished chunk may still take
      const upto = Math.min(bytes.length, from + room) // [from, upto) fits
      // The first line end at which the chunk holds minBytes or more.
      const first = bytes.indexOf(LF, from + Math.max(0, minBytes - size - 1))
      if (first >= 0 && first < upto) {
        pieces.push(bytes.subarray(from, first + 1))
        size += first + 1 - from
        from = first + 1
        yield cut(size)
        continue
      }
      const lf = lastLineEnd(bytes, from, upto)
      if (upto === bytes.length) {
        // All of it fits: it joins the unfinished chunk.
        if (lf >= 0) lastEnd = size + lf + 1 - from
        pieces.push(from === 0 ? bytes : bytes.subarray(from))
        size += bytes.length - from
        break
      }
      // It does not fit: cut at the last line end that does, short of minBytes.
      if (lf >= 0) {
        pieces.push(bytes.subarray(from, lf + 1))
        size += lf + 1 - from
        from = lf + 1
        yield cut(size)
      } else if (lastEnd > 0) {
        yield cut(lastEnd)
      } else {
        throw chunkTooLong(maxBytes, offset)
      }
    }
  }
  if (highSurrogate !== '') {
    const tail = Buffer.from(highSurrogate, 'utf8')
    if (size + tail.length > maxBytes && lastEnd > 0) yield cut(lastEnd)
    if (size + tail.length > maxBytes) throw chunkTooLong(maxBytes, offset)
    pieces.push(tail)
    size += tail.length
  }
  if (size > 0) yield cut(size)
}

/**
 * The index of the last '\n' in `bytes[from, to)`, or -1.
 * @param {Buffer} bytes
 * @param {number} from
 * @param {number} to
 */
function lastLineEnd(bytes, from, to) {
  if (to <= from) return -1
  const i = bytes.lastIndexOf(LF, to - 1)
  return i >= from ? i : -1
}

module.exports = { lineChunks }
