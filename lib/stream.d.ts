import type { BuiltinOp } from './map'
import type { WorkerOptions } from './engine/index'

/** What `mapStream` maps: a kernel or any function of one item (run on workers), or a built-in op name. */
export type StreamFn<T, R> = ((item: T) => R | Promise<R>) | BuiltinOp

/** Options of `mapStream`: how many items run at once, the order of results, and each item's task options. */
export interface MapStreamOptions extends WorkerOptions {
  /** Most items in flight (the source is pulled at most this far ahead of the consumer). @default 2 × availableParallelism() */
  concurrency?: number
  /** Yield results in source order (`false`: as they finish). @default true */
  ordered?: boolean
}

/**
 * Maps `fn` over the items of `source` (a Readable, `splitStream`, `lines`,
 * any async or sync iterable) in parallel, each item its own task, at most
 * `concurrency` in flight; yields the results, in order by default. On an
 * error the iteration throws it and the items in flight are cancelled;
 * ending early cancels them and returns the source. Works with
 * `stream.pipeline` and `Readable.from`.
 */
export declare function mapStream<T, R>(
  source: AsyncIterable<T> | Iterable<T> | NodeJS.ReadableStream,
  fn: StreamFn<T, R>,
  opts?: MapStreamOptions,
): AsyncGenerator<Awaited<R>, void, undefined>
