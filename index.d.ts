// The package root's typings: exactly the names index.js exports (checked by
// __test__/exports.spec.ts), each section re-exporting from its lib/*.d.ts.
// Types (interfaces, aliases) are exported in full; values only by name.

// <task>
export { AbortError, TaskHandle, Pool, poolStats, ping } from './lib/task'
export { configure } from './lib/engine/pool'
export type { TaskStatus, TaskOptions, PoolOptions, PoolStats, TimeStats } from './lib/task'
export type { WorkerStats } from './lib/engine/pool'
// </task>
// <map>
export { parallelMap, parallelMapSync, spawn, parallel, move, taskSignal, compileKernel } from './lib/map'
export type {
  HashOp,
  BuiltinOp,
  NumericArray,
  Kernel,
  SpawnKernel,
  OutputType,
  OutputArrays,
  MapOptions,
  SyncMapOptions,
  Params,
  ParamValue,
  WorkerOptions,
  EngineChoice,
} from './lib/map'
// </map>
// <reduce>
export { parallelReduce, parallelReduceSync } from './lib/reduce'
export type { ReduceOp, Reducer, ReducerOptions } from './lib/reduce'
// </reduce>
// <split>
export {
  split,
  splitSync,
  countLines,
  countLinesSync,
  findAll,
  findAllSync,
  splitStream,
  lines,
} from './lib/split'
export type {
  Delimiter,
  SplitOptions,
  OffsetsOptions,
  BuffersOptions,
  ChunkOptions,
  FindAllResult,
  SplitStreamOptions,
  LinesOptions,
  LineSource,
} from './lib/split'
export { lineChunks } from './lib/line-chunks'
export type { LineChunksOptions } from './lib/line-chunks'
// </split>
// <memo>
export { Memo, memoize } from './lib/memo'
export type { MemoKey, MemoOptions, MemoStats, MemoizeOptions, Memoized, OnUnstorable } from './lib/memo'
// </memo>
// <graph>
export { graph, GraphError } from './lib/graph'
export type { Graph, GraphNode, GraphNodeOptions, GraphStats } from './lib/graph'
// </graph>
// <stream>
export { mapStream } from './lib/stream'
export type { MapStreamOptions, StreamFn } from './lib/stream'
// </stream>
