import type { Pool } from '../binding'

/** A task's lifecycle state. `cancelled` covers cancel(), an aborted signal and a timeout. */
export type TaskStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** Options every async function accepts. */
export interface TaskOptions {
  /**
   * Aborting it cancels the task: the await rejects with an AbortError whose
   * `cause` is `signal.reason`, or, when that reason is a TimeoutError
   * (`AbortSignal.timeout(ms)`), with the same ERR_TASK_TIMEOUT error as `timeout`.
   */
  signal?: AbortSignal
  /**
   * Milliseconds before the task is cancelled and rejects with an Error whose
   * `code === 'ERR_TASK_TIMEOUT'` and whose stack is the call's. 0 means no
   * timeout (as Memo's `ttl: 0`).
   */
  timeout?: number
  /** Run on this pool instead of the default one. */
  pool?: Pool
  /**
   * Called on the JS thread, at most every 50 ms while the task is pending,
   * with the items done so far whenever that changed, and once more with
   * `done === total` when the task succeeds (never after it fails or is
   * cancelled). `total` is the input's length for `parallelMap`, else 1 (the
   * task as one item). A native map counts finished chunks. A throwing
   * callback is detached and reported with `process.emitWarning` (code
   * NAPI_PARALLEL_ON_PROGRESS_THREW); the task is not affected.
   */
  onProgress?: (done: number, total: number) => void
}

/**
 * A running task: a Promise (`await h`, `.then/.catch/.finally`,
 * `Promise.all`), with a process-unique `id`, a live `status` and `cancel()`.
 * What `then`/`catch`/`finally` return are plain Promises.
 */
export declare class TaskHandle<T> extends Promise<T> {
  private constructor()
  /** Unique per process. */
  readonly id: number
  /** The task's state now. */
  readonly status: TaskStatus
  /** Which engine runs it: 'native' (the pool's JIT/kernels) or 'worker' (JS worker threads). */
  readonly engine: 'native' | 'worker'
  /**
   * Cancels the task. Returns true if it will not complete normally; the await
   * then rejects with an AbortError whose `cause` is `reason`. Work already
   * running stops at its next chunk boundary. A rejection the caller asked for
   * with `cancel()` is never reported as an unhandled rejection.
   */
  cancel(reason?: unknown): boolean
}

/** The error of a cancelled or aborted task: `name === 'AbortError'`, `code === 'ABORT_ERR'`, `cause` = the reason. */
export declare class AbortError extends Error {
  constructor(reason?: unknown, message?: string)
  readonly name: 'AbortError'
  readonly code: 'ABORT_ERR'
}

/** Runs a trivial task through the pool and back (resolves to `value`): measures per-task overhead. */
export declare function ping(value?: number, opts?: TaskOptions): TaskHandle<number>

export { Pool, configure, poolStats } from '../binding'
export type { PoolOptions, PoolStats, TimeStats } from '../binding'

declare module '../binding' {
  interface Pool {
    /** Same as `close()`: `await using pool = new Pool()`. */
    [Symbol.asyncDispose](): Promise<void>
  }
}

/** What `start` may return instead of a slot: see `settled` and `finishing`. */
// oxlint-disable-next-line typescript/no-extraneous-class -- opaque: only settled()/finishing() make one
export declare class Started {
  private constructor()
}

/**
 * For binding authors: validates TaskOptions, creates the TaskHandle and calls
 * `start(task, arg)`, which returns the slot that a native `*Async` export
 * returned, `settled(value)` or `finishing(slot, finish)`. Throwing rejects the handle.
 */
export declare function runTask<T, A = undefined>(
  opts: TaskOptions | undefined,
  start: (task: import('../binding').TaskArg, arg: A) => number | Started,
  arg?: A,
): TaskHandle<T>

/** @internal For the worker engine: rejects the pending task in `slot` (if it is task `id`) with `error`. */
export declare function rejectSlot(slot: number, id: number, error: unknown): void

/** For `runTask`'s `start`: the task is already done, with `value`. */
export declare function settled(value: unknown): Started

/** For `runTask`'s `start`: the task in `slot` resolves to `finish(its value)`. */
export declare function finishing(slot: number, finish: (value: any) => unknown): Started

/** For the worker engine: `runTask` whose handle says `engine === 'worker'`. */
export declare function runWorkerTask<T, A = undefined>(
  opts: TaskOptions | undefined,
  start: (task: import('../binding').TaskArg, arg: A) => number | Started,
  arg?: A,
): TaskHandle<T>

/** The TaskHandle subclass of worker engine tasks (`engine === 'worker'`). */
export declare class WorkerTaskHandle<T> extends TaskHandle<T> {}

/** How the worker engine's results are read (lib/engine installs its own). */
export interface EngineHooks {
  /** A worker's result payload to its array of elements (once per payload). */
  decode(buffer: Buffer, worker: number): unknown[]
  /** An encoded error to the error the task rejects with. */
  revive(encoded: unknown): unknown
  /** A task's last element (and its earlier parts' elements, in arrival order) to its value. */
  done(element: unknown, partials: unknown[] | undefined): unknown
  /** A kill request: stop `worker` of `engine` if it still runs `taskId`. */
  control(engine: number, worker: number, taskId: number): void
}

/** Installs the worker engine's hooks; missing ones keep their defaults. */
export declare function setEngineHooks(hooks: Partial<EngineHooks>): void
