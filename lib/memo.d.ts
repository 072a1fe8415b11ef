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

/** What `memoize` does with a result the Memo cannot store (see `MemoizeOptions.onUnstorable`). */
export type OnUnstorable = 'warn' | 'throw' | 'ignore'

/** Options of `memoize`. */
export interface MemoizeOptions<F extends (...a: any[]) => any> {
  /** The cache to use. @default a new private Memo */
  memo?: Memo
  /** Builds the key from the arguments. @default every argument encoded canonically (object keys sorted) */
  key?: (...a: Parameters<F>) => MemoKey
  /** Time to live of each cached result, in ms (0 or Infinity: no expiry). */
  ttl?: number
  /**
   * A result the Memo cannot store (a class instance, a Map or Set, a
   * function, a cyclic value, …) is returned but not cached, so `fn` runs
   * again on every call with those arguments. `'warn'`: the first such
   * result emits a process warning with `code:
   * 'NAPI_PARALLEL_MEMOIZE_UNSTORABLE'`, whose message names the function
   * and the value's kind. `'throw'`: each such call throws (an async `fn`:
   * rejects) a TypeError `ERR_MEMOIZE_UNSTORABLE` with the Memo's error as
   * `cause`, after `fn` ran. `'ignore'`: nothing is said.
   * @default 'warn'
   */
  onUnstorable?: OnUnstorable
}

/** What `memoize(fn)` returns: `fn`'s signature, plus its cache. */
export type Memoized<F extends (...a: any[]) => any> = F & {
  /** The cache the results are kept in. */
  readonly memo: Memo
  /**
   * Forgets the result cached for these arguments (the key a call with the
   * same arguments uses: `f.delete(1)` and `f.delete(1, undefined)` differ,
   * as the calls do), and an async call with them still in flight: its
   * callers still get its result, but it is not cached, and the next call
   * runs `fn` again. True if a cached result or an in-flight call was forgotten.
   */
  delete(...args: Parameters<F>): boolean
  /**
   * Empties `memo` and forgets every call in flight. `memo` is every entry
   * of that Memo: with your own Memo given as `options.memo` (or a shared
   * one), that includes entries other code put there, in every thread.
   */
  clear(): void
}

/**
 * Caches `fn`'s results. Concurrent calls of an async `fn` with the same key
 * share one in-flight Promise; a rejection or throw is not cached.
 *
 * A hit is a copy, decoded from the Memo, never the object `fn` returned
 * (the call that computed it returns `fn`'s own result). Mutating a result
 * never changes the cache. What round-trips: primitives as they are (-0,
 * NaN, bigint, strings code unit for code unit); arrays (a hole comes back
 * as `undefined`, other non-index properties are dropped); objects whose
 * prototype is `Object.prototype` or `null`, as plain objects with their
 * own enumerable string-keyed properties in order (getters are read once,
 * symbol keys and non-enumerable properties dropped; a null prototype comes
 * back as `Object.prototype`); Dates; ArrayBuffers; Buffers as Buffers and
 * every other TypedArray as the same kind over a fresh buffer holding only
 * the view's bytes (`byteOffset` 0). Unlike `structuredClone`, a Buffer
 * stays a Buffer, an object reached twice comes back as two equal copies,
 * a cycle is refused, and
 * Map, Set, RegExp, Error, boxed primitives, DataView, SharedArrayBuffer,
 * class instances, functions and symbols are refused (see `onUnstorable`).
 */
export declare function memoize<F extends (...a: any[]) => any>(fn: F, opts?: MemoizeOptions<F>): Memoized<F>
