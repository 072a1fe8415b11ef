import type { LineSource } from './split'

/** Options of `lineChunks`. */
export interface LineChunksOptions {
  /** Least bytes per chunk (the last chunk may be shorter). @default 262144 (256 KiB) */
  minBytes?: number
  /**
   * Most bytes per chunk (at least `minBytes`). Where a chunk of `minBytes`
   * cannot end at a line end within it, the chunk ends at its last line end
   * instead; a stretch of `maxBytes` with no line end at all throws a
   * RangeError with `code === 'ERR_LINE_TOO_LONG'`. @default max(64 MiB, minBytes)
   */
  maxBytes?: number
}

/**
 * Cuts a byte stream (a Readable, any async iterable of Buffers or strings,
 * or one string/Buffer; strings are encoded as UTF-8) into Buffers of whole
 * lines, each of at least `minBytes` but the last, ending at the first line
 * end past that: every chunk but the last ends with `'\n'` (so a `'\r\n'`
 * is never split), and the chunks concatenated are the source's bytes
 * exactly. One big Buffer comes out in chunks of about `minBytes` too.
 *
 * Made for sending bytes to workers: a worker decodes, splits and parses its
 * chunk, so the JS thread only cuts chunks. Each chunk owns its memory
 * (never a slice of Node's Buffer pool), so `move(chunk)` hands it over
 * without a copy:
 *
 * ```js
 * async function* moved(src) { for await (const c of lineChunks(src)) yield move(c) }
 * for await (const s of mapStream(moved(fs.createReadStream(path)), summarise)) merge(total, s)
 * ```
 *
 * The source's chunks are read one at a time, as the consumer asks; views
 * of those that make up the unfinished chunk are held until it is cut (so a
 * source must not reuse a chunk's memory after yielding it; Node's streams
 * do not). Each byte is copied once, into its chunk.
 */
export declare function lineChunks(source: LineSource, opts?: LineChunksOptions): AsyncIterableIterator<Buffer>
