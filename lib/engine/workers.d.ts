// Typings of lib/engine/workers.js (internal: the worker engine's WorkerSet).
import type { MessagePort, ResourceLimits } from 'node:worker_threads'

import type { WorkerStats } from './pool'

/** What a WorkerSet is built with. */
export interface WorkerSetOptions {
  workers?: number
  maxQueue?: number
  resourceLimits?: ResourceLimits
  setup?: string
  idleTimeout?: number
  concurrentTasksPerWorker?: number
  cancelGrace?: number
  /** Internal, for tests: replaces lib/engine/worker.js. */
  workerFile?: string
}

/** The worker_threads of one engine: lazy start, bells, kill requests, replacement, crash-loop backoff, close. */
export declare class WorkerSet {
  constructor(engine: number, opts?: WorkerSetOptions)
  /** engineCreate + a set for it. */
  static create(opts?: WorkerSetOptions): WorkerSet
  /** This environment's default engine (created on first call). */
  static default(): WorkerSet
  static peekDefault(): WorkerSet | undefined
  /** Sets the default engine's options (configure()); false once it was made. */
  static configureDefault(opts: WorkerSetOptions): boolean
  /** Whether this environment's default engine was made. */
  static readonly defaultStarted: boolean
  static of(engine: number): WorkerSet | undefined
  readonly engine: number
  readonly size: number
  readonly control: Int32Array
  readonly closed: boolean
  readonly live: number
  /** Starts missing workers (lazily) and rings up to `count` idle ones. */
  wake(count?: number): void
  /** A worker for a port-bound batch (idle, else least recently picked). */
  pick(): number
  /** Rings worker `w` if idle. */
  ring(w: number): void
  /** The main side's MessagePort of worker `w`. */
  port(w: number): MessagePort
  /** The out-of-band data `seq` worker `w` posted for a result (a dead worker's messages, drained at its exit, first; older unread ones dropped); never starts a worker. */
  receive(w: number, seq: number): { sabs: SharedArrayBuffer[]; transfers: ArrayBuffer[]; seq: number } | undefined
  /** The task id worker `w` runs now (0: none). */
  taskOf(w: number): number
  /** A kill request (see control). */
  kill(w: number, taskId: number): void
  stats(): WorkerStats
  close(): Promise<void>
}

/** The settle hook for kill requests. */
export declare function control(engine: number, worker: number, taskId: number): void
export declare function defaultWorkers(): number
export declare const BELL: 0
export declare const STATE: 1
export declare const TASK_LO: 2
export declare const TASK_HI: 3
export declare const SLOTS: 4
export declare const IDLE: 0
export declare const BUSY: 1
export declare const EXITING: 2
export declare const SETUP_FAILED: 3
export declare const ENDED: 4
export declare const CRASH_LIMIT: number
/** The workers' `resourceLimits` when none are given: `{ maxYoungGenerationSizeMb: 48 }`. */
export declare const DEFAULT_LIMITS: Readonly<ResourceLimits>
