import type { TaskHandle, TaskOptions } from './task'

/** A delimiter, or several (matched leftmost-first, in the order given, like a regex alternation). */
export type Delimiter = string | Uint8Array | Array<string | Uint8Array>

/** Options of `split` / `splitSync`. */
export interface SplitOptions extends TaskOptions {
  /**
   * `'strings'` (default): exactly `input.split(delimiter)` (a Buffer is decoded as UTF-8 first).
   * `'offsets'`: `[start0, end0, start1, end1, …]`, UTF-16 indices for a string, byte offsets
   * for a Buffer; a `Uint32Array` when they fit, else a `Float64Array`.
   * `'buffers'`: zero-copy `Buffer` views of each piece (a string is encoded as UTF-8 first).
   */
  output?: 'strings' | 'offsets' | 'buffers'
  /** Drop empty pieces (after `trim`). @default false */
  skipEmpty?: boolean
  /** Trim each piece like `String.prototype.trim`. @default false */
  trim?: boolean
  /** Keep at most this many pieces (applied last, after `trim` and `skipEmpty`; 0 gives none), like `split`'s limit. */
  limit?: number
  /** Bytes per parallel chunk, for tests and tuning only (>= 16). @default 1048576 */
  chunkSize?: number
}

/** `SplitOptions` asking for offsets. */
export type OffsetsOptions = SplitOptions & { output: 'offsets' }
/** `SplitOptions` asking for buffers. */
export type BuffersOptions = SplitOptions & { output: 'buffers' }

/**
 * Splits `input` on every core; the result equals `input.split(delimiter)`
 * (with several delimiters, `input.split(/d0|d1|…/)` with each escaped).
 * Inputs under 1 MB are scanned by one thread. The empty delimiter `''`
 * behaves like `'abc'.split('')` (UTF-16 code units) for `'strings'`
 * output, and for `'offsets'` of a string; other uses of an empty
 * delimiter throw `ERR_INVALID_ARG_VALUE`.
 *
 * Speed notes (see benchmark/split.ts): `'offsets'`/`'buffers'` of a Buffer
 * are the fast paths. For a string with one delimiter and `'strings'`
 * output (no trim/skipEmpty) V8's own `split` is used (a Buffer is decoded first), also by the async
 * form, because copying a string out of V8 costs more than V8's split.
 * Several string delimiters use V8's RegExp split too (a cached RegExp).
 *
 * Input memory: the sync form reads a Buffer in place. The async form must
 * not read a plain Buffer after it returns, because JS could detach its
 * ArrayBuffer under the job. So for a plain Buffer of 1 MiB or more with one
 * one-byte delimiter, it scans the Buffer in place before it returns (the
 * event loop waits, as it would for a copy, which costs more than this scan),
 * so it costs what `splitSync` does. With several or longer delimiters it
 * copies the Buffer before it returns (on every pool thread at once) and
 * scans the copy on the pool. A Buffer/Uint8Array over a `SharedArrayBuffer`
 * (which cannot be detached) of 64 KiB or more is read in place on the pool,
 * after the call returns: pass one to keep the event loop free during the
 * scan. Writing shared memory during a scan gives an unspecified mix of old and new bytes.
 */
export declare function split(input: string | Uint8Array, delimiter: Delimiter, opts: OffsetsOptions): TaskHandle<Uint32Array | Float64Array>
export declare function split(input: string | Uint8Array, delimiter: Delimiter, opts: BuffersOptions): TaskHandle<Buffer[]>
export declare function split(input: string | Uint8Array, delimiter: Delimiter, opts?: SplitOptions & { output?: 'strings' }): TaskHandle<string[]>
export declare function split(input: string | Uint8Array, delimiter: Delimiter, opts?: SplitOptions): TaskHandle<string[] | Uint32Array | Float64Array | Buffer[]>

/** The blocking twin of `split`: returns the result directly, still uses every core. */
export declare function splitSync(input: string | Uint8Array, delimiter: Delimiter, opts: OffsetsOptions): Uint32Array | Float64Array
export declare function splitSync(input: string | Uint8Array, delimiter: Delimiter, opts: BuffersOptions): Buffer[]
export declare function splitSync(input: string | Uint8Array, delimiter: Delimiter, opts?: SplitOptions & { output?: 'strings' }): string[]
export declare function splitSync(input: string | Uint8Array, delimiter: Delimiter, opts?: SplitOptions): string[] | Uint32Array | Float64Array | Buffer[]

/** `chunkSize` (bytes per parallel chunk, >= 16) is for tests and tuning only. */
export interface ChunkOptions {
  chunkSize?: number
}

/**
 * Counts lines on every core: the number of `\n`, plus one when the input
 * is not empty and does not end with `\n`. So `''` → 0, `'a'` → 1,
 * `'a\n'` → 1, `'a\nb'` → 2, `'\n\n'` → 2; `\r\n` ends one line and a
 * lone `\r` ends none. (Note `lines()` counts a lone `\r` as a line ending, like readline.)
 * Input memory as for `split`: the async form reads a SharedArrayBuffer-backed view in place on
 * the pool, and counts a plain Buffer of 1 MiB or more in place before it returns (a count
 * costs less than the copy the event loop would otherwise wait for).
 */
export declare function countLines(input: string | Uint8Array, opts?: TaskOptions & ChunkOptions): TaskHandle<number>
/** The blocking twin of `countLines`. */
export declare function countLinesSync(input: string | Uint8Array, opts?: ChunkOptions): number

/** Matches found by `findAll`. */
export interface FindAllResult {
  /** Start of each match: a UTF-16 index for a string, a byte offset for a Buffer. */
  offsets: Float64Array
  /** Index in `patterns` of the pattern that matched. */
  patterns: Uint32Array
}

/**
 * Every non-overlapping match in input order, leftmost-first: at one
 * position the first pattern in the given order wins (like a regex
 * alternation), and the search resumes after the match. Empty patterns are
 * refused.
 */
export declare function findAll(input: string | Uint8Array, patterns: Delimiter, opts?: TaskOptions & ChunkOptions): TaskHandle<FindAllResult>
/** The blocking twin of `findAll`. */
export declare function findAllSync(input: string | Uint8Array, patterns: Delimiter, opts?: ChunkOptions): FindAllResult

/** What `splitStream` and `lines` read: a Readable stream or any async iterable of Buffers/strings, or one string/Buffer. */
export type LineSource = AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream | string | Uint8Array

/** Options of `lines`. */
export interface LinesOptions {
  /**
   * Longest line allowed, in UTF-16 code units without the line ending; a longer
   * one (even unfinished) throws a RangeError with `code === 'ERR_LINE_TOO_LONG'`. @default unlimited
   */
  maxLineLength?: number
}

/** Options of `splitStream`. */
export interface SplitStreamOptions extends LinesOptions {
  /** Most lines per yielded batch (a batch is also yielded at the end of each source chunk). @default 1024 */
  batchLines?: number
}

/**
 * Splits a stream of Buffers (decoded as UTF-8, a character split across
 * chunks is fine) or strings into **batches** of complete lines: each
 * iteration gives a `string[]`, not one line (for one line at a time, use
 * `lines()`).
 *
 * Without `delimiter` it is line mode, with readline's line endings: `\n`,
 * `\r\n` (even split across chunks) and a lone `\r` each end a line, and a
 * final line ending gives no empty last line, exactly like
 * `readline.createInterface({ input, crlfDelay: Infinity })`. With a
 * `delimiter` the lines, concatenated, equal `whole.split(delimiter)` exactly.
 *
 * Only the unfinished tail is carried between chunks and it is never
 * re-scanned. The source is read one chunk at a time, when the consumer asks
 * for the next batch (bounded read-ahead). Chunks over 1 MB are scanned on
 * the pool so the event loop stays free.
 */
export declare function splitStream(source: LineSource, delimiter?: string, opts?: SplitStreamOptions): AsyncIterableIterator<string[]>

/**
 * One line at a time, like `readline` (same line endings: `\n`, `\r\n` even
 * across chunks, a lone `\r`; no empty last line after a final line ending;
 * UTF-8 decoded across chunk boundaries), but read with `splitStream`'s
 * scanner: `for await (const line of lines(fs.createReadStream(file)))`.
 *
 * The difference with `splitStream`: `lines` yields each line (`string`),
 * `splitStream` yields batches of lines (`string[]`), which saves one
 * promise per line when the consumer can take arrays.
 * A `break` out of the loop closes the source (its `return()` is called).
 */
export declare function lines(source: LineSource, opts?: LinesOptions): AsyncIterableIterator<string>

/** @internal For `lib/line-chunks.js`: the source as an async iterable of chunks (a string or Buffer is one chunk). */
export declare function sourceOf(source: unknown): AsyncIterable<unknown>
/** @internal A view of a detached ArrayBuffer is a TypeError naming `name`. */
export declare function checkAttached(view: Uint8Array, name: string): void
/** @internal `opts[key]` as an integer in [lo, hi], or undefined when absent (TypeError / RangeError otherwise). */
export declare function integerOption(opts: Record<string, unknown>, key: string, lo: number, hi: number): number | undefined
/** @internal A Buffer view of `u8` (no copy). */
export declare function asBuffer(u8: Uint8Array): Buffer
/** @internal What a text argument must be, for error messages. */
export declare const INPUT_TYPE: string
