import type { TaskHandle, TaskOptions } from './task'
import type { BuiltinOp } from './map'
import type { WorkerOptions } from './engine/index'

/**
 * What a node computes: a function whose parameters name its inputs (a
 * kernel when it is in the numeric subset, else it runs on the worker
 * engine), a built-in op name (one input, `options.deps`), or a Promise /
 * TaskHandle (a constant node).
 */
export type GraphNode = ((...inputs: any[]) => unknown) | BuiltinOp | PromiseLike<unknown>

/**
 * Options of `Graph#add`: the node's inputs, and the options its task runs
 * with (`engine`, `context`, a per-node `timeout`…, as for `spawn`). A node
 * with options other than `deps` runs as its own task even in an
 * all-kernel graph.
 */
export interface GraphNodeOptions extends WorkerOptions {
  /** The nodes whose values are the function's arguments, in order. @default its parameter names */
  deps?: string[]
  /** Kernels: named constants (see MapOptions.params). */
  params?: Record<string, unknown>
}

/** What the last run did. */
export interface GraphStats {
  /** Runs that completed (with or without failed nodes; not cancelled ones). */
  runs: number
  /** The nodes computed by the run whose state the graph holds (the latest started; the others kept their values). */
  computed: string[]
  /** Nodes added. */
  nodes: number
}

/** A graph of named, dependent computations. Create one with `graph()`. */
export declare class Graph {
  /**
   * Adds the node `name`. Its inputs are its function's parameter names
   * unless `options.deps` lists them (a function with a rest or
   * destructured parameter needs `options.deps`; a bound or built-in
   * function is refused: wrap it); they may be added later (or given to
   * `run`). Throws on a duplicate name, and when the node closes a cycle
   * (code `ERR_GRAPH_CYCLE`, message `a -> b -> a`).
   */
  add(name: string, fn: GraphNode, options?: GraphNodeOptions): this
  /**
   * Runs the graph as one task. `inputs` provide the names nodes depend on
   * that are not nodes, and may override nodes. A node starts as soon as
   * its inputs are done, the longest critical path first; a graph whose
   * nodes to compute are all kernels on numbers runs natively as one task
   * with no JS between nodes. Only nodes depending on what changed since the
   * last run are recomputed. Resolves to every node's value by name. When
   * nodes fail, independent nodes still finish and the run rejects with a
   * `GraphError` (code `ERR_GRAPH_FAILED`) carrying the partial `results`;
   * nodes whose input failed have `ERR_DEPENDENCY_FAILED` errors whose
   * `cause` is the original error. A cycle rejects with `ERR_GRAPH_CYCLE`,
   * a missing input with `ERR_GRAPH_UNKNOWN_DEPENDENCY`. Runs may
   * overlap: each computes from the state committed when it started and
   * resolves to its own inputs' results; the graph's state (what the next
   * run recomputes from) is that of the latest started run that completed,
   * whatever order they finish in.
   */
  run(inputs?: Record<string, unknown>, opts?: TaskOptions): TaskHandle<Record<string, any>>
  /** What the last run computed. */
  stats(): GraphStats
}

/**
 * A run in which nodes failed: an `AggregateError` at runtime (typed on
 * `Error` so the typings need no ES2021 lib).
 */
export declare class GraphError extends Error {
  readonly code: 'ERR_GRAPH_FAILED'
  /** The errors of the nodes that failed themselves (not those whose input failed). */
  readonly errors: unknown[]
  /** The nodes that succeeded (computed or kept), by name. */
  readonly results: Record<string, unknown>
  /** Every failed node's error by name (ERR_DEPENDENCY_FAILED for those whose input failed). */
  readonly failed: Record<string, unknown>
}

/** A new, empty graph. */
export declare function graph(): Graph
