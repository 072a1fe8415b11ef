// Internal: the JS readiness scheduler of graph runs (see scheduler.js).
export interface RunPlan {
  names: string[]
  deps: number[][]
  dependents: number[][]
  priority: ArrayLike<number>
}
/** A binary max-heap of node indices by priority (ties: the lower index). */
export declare class ReadyHeap {
  constructor(priority: ArrayLike<number>)
  push(v: number): void
  pop(): number | undefined
}
/** Runs the active nodes of a plan in readiness order, the longest critical path first. */
export declare class Runner {
  constructor(
    plan: RunPlan,
    active: Uint8Array,
    values: unknown[],
    startNode: (node: number, args: unknown[]) => PromiseLike<unknown>,
    done: (runner: Runner) => void,
  )
  plan: RunPlan
  active: Uint8Array
  values: unknown[]
  /** PENDING / OK / FAILED per node. */
  outcome: Uint8Array
  /** Node → its error (its own, or ERR_DEPENDENCY_FAILED). */
  errors: Map<number, unknown>
  /** Failed node → the node whose error failed it. */
  roots: Map<number, number>
  /** Nodes started, in start order. */
  started: number[]
  done: (runner: Runner) => void
  /** Polled as nodes end: true once the run's handle ended. */
  ended: (() => boolean) | undefined
  start(): void
  stop(reason?: unknown): void
}
export declare const PENDING: 0
export declare const OK: 1
export declare const FAILED: 2
/** What a node whose dependency failed rejects with (code ERR_DEPENDENCY_FAILED). */
export declare function dependencyFailed(node: string, root: string, cause: unknown): Error
