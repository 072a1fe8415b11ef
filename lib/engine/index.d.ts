import type { TaskHandle, TaskOptions } from '../task'

/** Which engine runs a function: the native JIT (kernels), worker_threads, or the JIT when it can. */
export type EngineChoice = 'auto' | 'native' | 'worker'

/** Options of a call that may run on the worker engine. */
export interface WorkerOptions extends TaskOptions {
  /**
   * `'auto'` (default): the native JIT when `fn` is a kernel and the input
   * (or the arguments) numeric, else workers. `'native'` insists on the JIT
   * (a non-kernel rejects with `ERR_UNSUPPORTED_KERNEL`); `'worker'` forces workers.
   */
  engine?: EngineChoice
  /**
   * Values the function reads by name (it cannot capture variables): each
   * key becomes a variable in the function's scope, structured-cloned to the
   * worker with the call. `params` is read the same way when `context` is absent.
   */
  context?: Record<string, unknown>
  /**
   * ArrayBuffers (or views over them) handed over, not copied: detached in the caller when the call is sent
   * (at the end of the current turn of JS, before the caller's next `await` resumes).
   */
  transfer?: Array<ArrayBuffer | ArrayBufferView>
}

/**
 * Marks an ArrayBuffer (or a view over one) to be handed over instead of
 * copied, as a top-level argument of a worker call or as the value a worker
 * function returns: the sender's buffer is detached, the receiver gets the
 * bytes. A SharedArrayBuffer cannot be moved (it is shared anyway).
 */
export declare function move<T extends ArrayBuffer | ArrayBufferView>(value: T): T

/** @internal the worker engine's entry points; use spawn / parallelMap / parallel from the package root. */
export declare function spawnOnWorker(fn: unknown, args: unknown, opts: unknown): TaskHandle<unknown>
/** @internal */
export declare function mapOnWorker(items: unknown, fn: unknown, opts: unknown): TaskHandle<unknown[]>
/** @internal */
export declare function parallelOnWorker(fn: unknown, opts: unknown): (...args: unknown[]) => TaskHandle<unknown>
/** @internal */
export declare function parallelOnWorker(fn: unknown, opts: unknown, byArray: true): (args: unknown[]) => TaskHandle<unknown>
/** @internal */
export declare function engineOption(opts: unknown): EngineChoice
