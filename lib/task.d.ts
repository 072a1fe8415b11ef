import type { Pool } from '../binding'

/** A task's lifecycle state. `cancelled` covers cancel(), an aborted signal and a timeout. */
export type TaskStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** Options every async function accepts. */
export interface TaskOptions {
  /** Aborting it cancels the task: the await rejects with an AbortError whose `cause` is `signal.reason`. */
  signal?: AbortSignal
  /** Milliseconds before the task is cancelled and rejects with `code === 'ERR_TASK_TIMEOUT'`. */
  timeout?: number
  /** Run on this pool instead of the default one. */
  pool?: Pool
}

/**
 * A running task: awaitable like a Promise (`await h`, `.then/.catch/.finally`),
 * with a process-unique `id`, a live `status` and `cancel()`.
 */
export declare class TaskHandle<T> implements PromiseLike<T> {
  private constructor()
  /** Unique per process. */
  readonly id: number
  /** The task's state now. */
  readonly status: TaskStatus
  /**
   * Cancels the task. Returns true if it will not complete normally; the await
   * then rejects with an AbortError whose `cause` is `reason`. Work already
   * running stops at its next chunk boundary.
   */
  cancel(reason?: unknown): boolean
  // oxlint-disable-next-line unicorn/no-thenable -- a TaskHandle is a Promise, thenable by design
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2>
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R>
  finally(onfinally?: (() => void) | null): Promise<T>
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

/** For `runTask`'s `start`: the task is already done, with `value`. */
export declare function settled(value: unknown): Started

/** For `runTask`'s `start`: the task in `slot` resolves to `finish(its value)`. */
export declare function finishing(slot: number, finish: (value: any) => unknown): Started
