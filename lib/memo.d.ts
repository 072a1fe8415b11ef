/** A cache key: `1` and `'1'` are different keys; a Buffer key compares by bytes. */
export type MemoKey = string | number | bigint | Buffer | Uint8Array

/** Options of `new Memo()` and `Memo.shared()`. */
export interface MemoOptions {
  /** At most this many entries (integer >= 1). @default 100000 when `maxBytes` is not set either */
  maxEntries?: number
  /** At most this many bytes of encoded key + value (integer >= 1). */
  maxBytes?: number
  /** Default time to live in ms (0 or Infinity: never expire). @default 0 */
  ttl?: number
  /** A label returned by `memo.name` (`Memo.shared` uses its name). */
  name?: string
}

/** Counters of one cache (shared caches: summed over every thread). */
export interface MemoStats {
  hits: number
  misses: number
  evictions: number
  size: number
  /** Encoded bytes of every key + value held. */
  bytes: number
}

/**
 * A native concurrent cache. Values: strings, numbers (-0 and NaN kept),
 * booleans, null, undefined, bigints, Buffers, TypedArrays, ArrayBuffers,
 * Dates, plain objects and arrays of those; they come back as equal copies
 * of the same kinds. Strings, as keys, values, nested values and object
 * keys, keep their exact UTF-16 code units (lone surrogates included).
 * Anything else is a TypeError `ERR_INVALID_ARG_TYPE`; a cyclic value is a
 * TypeError `ERR_MEMO_CYCLIC`; a detached ArrayBuffer or view, or a getter or
 * Proxy trap that throws while the value is read, a TypeError
 * `ERR_INVALID_ARG_VALUE` (the thrown error as `cause`); nesting deeper than
 * 1,000 levels a RangeError `ERR_OUT_OF_RANGE`. The same holds for options
 * objects. A getter inside a value may itself use the Memo (a re-entrant
 * `set`, `get`, `delete` or `clear` acts as if it ran before the outer call
 * finished). `stats().evictions` counts entries pushed out by the bounds (and
 * values refused as too big), not overwrites, deletes or expiries.
 * Eviction is frequency-aware (CLOCK-PRO-style hot/cold/ghost queues), so a
 * one-off scan does not flush the hot set.
 *
 * Each handle keeps a small near cache (4,096 entries) of primitive values
 * without TTL that its thread read: a repeated `get` is served without a
 * native call while the key's generation slot, shared by every thread, is
 * unchanged, so a write, delete, eviction or clear from any thread is seen
 * by the next `get`. Near hits count in `stats().hits`.
 */
export declare class Memo<V = unknown> {
  /** A private cache; bad bounds throw RangeError `ERR_OUT_OF_RANGE` naming the option. */
  constructor(opts?: MemoOptions)
  /** The process-wide cache `name`: the same native cache from every worker_thread (opts apply on first use). */
  static shared<V = unknown>(name: string, opts?: Omit<MemoOptions, 'name'>): Memo<V>
  /** Forgets the shared cache `name` (handles already obtained keep working); true if it existed. */
  static dropShared(name: string): boolean
  /** The value for `key`, or undefined (also when expired). Counts a hit or a miss. */
  get(key: MemoKey): V | undefined
  /** Stores `value`; `opts.ttl` (ms) overrides the cache's ttl. */
  set(key: MemoKey, value: V, opts?: { ttl?: number }): this
  /** Whether `key` has a live entry (not counted as a hit or miss). */
  has(key: MemoKey): boolean
  /** Removes `key`; true if a live entry was removed. */
  delete(key: MemoKey): boolean
  /** Removes every entry. */
  clear(): void
  /** Values for `keys` in one native call (undefined for misses). */
  getMany(keys: MemoKey[]): Array<V | undefined>
  /** Stores every `[key, value]` pair. */
  setMany(entries: Iterable<readonly [MemoKey, V]>, opts?: { ttl?: number }): this
  /** Entries held now. */
  readonly size: number
  /** The name given in the options or to `Memo.shared`, or null. */
  readonly name: string | null
  /** `{ hits, misses, evictions, size, bytes }`. */
  stats(): MemoStats
}

/** Options of `memoize`. */
export interface MemoizeOptions<F extends (...a: any[]) => any> {
  /** The cache to use. @default a new private Memo */
  memo?: Memo
  /** Builds the key from the arguments. @default every argument encoded canonically (object keys sorted) */
  key?: (...a: Parameters<F>) => MemoKey
  /** Time to live of each cached result, in ms. */
  ttl?: number
}

/**
 * Caches `fn`'s results. Concurrent calls of an async `fn` with the same key
 * share one in-flight Promise; a rejection or throw is not cached, nor is a
 * result the Memo cannot store. The wrapper exposes its cache as `.memo`.
 */
export declare function memoize<F extends (...a: any[]) => any>(fn: F, opts?: MemoizeOptions<F>): F & { readonly memo: Memo }
