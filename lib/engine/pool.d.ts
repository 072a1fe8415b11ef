// Typings of lib/engine/pool.js: the worker options of `new Pool()` and the
// worker engine's stats, merged into binding.d.ts's PoolOptions / PoolStats.
import type { ResourceLimits } from 'node:worker_threads'

import type { Pool as NativePool, PoolOptions, PoolStats } from '../../binding'

/** Counters of a worker engine (a Pool's, or the default one in `poolStats()`). */
export interface WorkerStats {
  /** Worker slots (`options.workers`). */
  workers: number
  /** Workers alive now (they start on the first worker task; idle ones may exit after `idleTimeout`). */
  live: number
  /** Workers running a task now. */
  busy: number
  /** Tasks waiting for a worker. */
  queued: number
  /** Tasks that finished with a value. */
  completed: number
  /** Tasks that failed (threw, or their worker died). */
  failed: number
  /** Tasks cancelled, aborted or timed out. */
  cancelled: number
  /** Workers that died (process.exit, uncaught error, out of memory, terminated after a cancel) and were replaced. */
  restarts: number
  /** Run time per task (ms). */
  runTime: { p50: number; p99: number }
  /** Time from submission to start (ms). */
  waitTime: { p50: number; p99: number }
  /** Per worker slot: tasks completed, busy time (ms) and busy time over uptime (0..1). */
  perWorker: { completed: number; busyMs: number; utilization: number }[]
}

declare module '../../binding' {
  interface PoolOptions {
    /**
     * Worker threads (JS isolates) that run JS functions (`engine: 'worker'`):
     * an integer from 1 to 1024. They start on the first worker task.
     *
     * @default the number of available cores
     */
    workers?: number
    /**
     * Node's `resourceLimits` of each worker; a worker out of memory fails its
     * task with ERR_WORKER_EXITED and is replaced.
     *
     * @default { maxYoungGenerationSizeMb: 48 } (given limits replace it whole)
     */
    resourceLimits?: ResourceLimits
    /**
     * A module each worker loads before taking tasks: a path (relative to the
     * current directory), a package name or a file URL; it must exist. A setup
     * that throws fails the engine: every task queued or submitted later
     * rejects with ERR_WORKER_SETUP_FAILED (`cause`: its error); no worker is restarted.
     */
    setup?: string | URL
    /**
     * Milliseconds a worker may stay idle before it exits quietly (a new one
     * starts when work arrives): an integer from 0 to 2147483647, or Infinity.
     *
     * @default Infinity
     */
    idleTimeout?: number
    /**
     * Milliseconds a cancelled or timed-out task still running on a worker
     * gets to stop (on its signal) before its worker is terminated and replaced
     * (an async task: before its worker ends itself, if it has not settled).
     *
     * @default 100
     */
    cancelGrace?: number
    /**
     * Async tasks one worker runs at once: an integer from 1 to 1024.
     *
     * @default 1
     */
    concurrentTasksPerWorker?: number
  }
  interface PoolStats {
    /** The worker engine's counters. */
    workers: WorkerStats
  }
}

/**
 * Configures the default pool before its first use: the native options
 * (`threads`, `stackSize`, `threadName`, `maxQueue`) and the worker engine's
 * (`workers`, `resourceLimits`, `setup`, `idleTimeout`,
 * `concurrentTasksPerWorker`, `cancelGrace`, as for `new Pool`). Afterwards
 * (the native pool's first task, or for a worker option the first worker
 * task of this environment) it throws `ERR_POOL_ALREADY_STARTED`.
 */
export declare function configure(options: PoolOptions): void
/** The native Pool class, whose constructor also checks and keeps the worker options. */
export declare const Pool: typeof NativePool
/** Internal: the WorkerSet that runs `pool`'s worker tasks (this environment's default one for none), made on first use; ERR_POOL_CLOSED once closed. */
export declare function engineOf(pool?: unknown): import('./workers').WorkerSet
/** The default pool's counters, with its worker engine's as `workers`. */
export declare function poolStats(): PoolStats
/** Internal: checks and reads the worker options of `new Pool(options)`. */
export declare function workerOptions(options: unknown): import('./workers').WorkerSetOptions
