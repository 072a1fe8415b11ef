import type { BuiltinOp } from './map'
import type { WorkerOptions } from './engine/index'

/** What `mapStream` maps: a kernel or any function of one item (run on workers), or a built-in op name. */
export type StreamFn<T, R> = ((item: T) => R | Promise<R>) | BuiltinOp

/** Options of `mapStream`: how many items run at once, the order of results, and each item's task options. */
export interface MapStreamOptions extends WorkerOptions {
  /**
   * Most items in flight, counted in items (pulled from the source and not
   * yet yielded, chunks or not): the source is never more than this far
   * ahead of the consumer. Each task's options (`timeout`, `signal`, ...)
   * apply per task: per chunk when items are chunked.
   * @default 2 × availableParallelism(); with `chunkSize`, 4 × availableParallelism() × chunkSize ('auto': × 256), at most 65536
   */
  concurrency?: number
  /** Yield results in source order (`false`: as they finish). @default true */
  ordered?: boolean
  /**
   * Consecutive items that run on the worker engine travel as one task of up
   * to this many items (one message each way instead of one per item), run
   * in order on one worker; an item that throws ends its chunk there (the
   * stream yields the items before it, then throws its error, as without
   * chunks). `'auto'` sizes chunks from the workers' measured time per item
   * (about 2 ms of work each, at most 256 items). A chunk is never more than
   * `concurrency / (2 × availableParallelism())` items, so every core has
   * work queued; it is sent when full, when the source takes a whole
   * event-loop turn to give the next item, or when the source ends. Kernel
   * items run natively one by one, and `move()` / SharedArrayBuffer items
   * each as their own task. An item that cannot be sent fails its whole
   * chunk (thrown at the chunk's first item).
   * @default 1 (each item its own task)
   */
  chunkSize?: number | 'auto'
}

/**
 * Maps `fn` over the items of `source` (a Readable, `splitStream`, `lines`,
 * any async or sync iterable) in parallel, each item its own task (or
 * chunks of items: `chunkSize`), at most `concurrency` items in flight; yields the results, in order by default. On an
 * error the iteration throws it and the items in flight are cancelled;
 * ending early cancels them and returns the source. Works with
 * `stream.pipeline` and `Readable.from`.
 */
export declare function mapStream<T, R>(
  source: AsyncIterable<T> | Iterable<T> | NodeJS.ReadableStream,
  fn: StreamFn<T, R>,
  opts?: MapStreamOptions,
): AsyncGenerator<Awaited<R>, void, undefined>
