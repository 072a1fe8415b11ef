import type { TaskHandle, TaskOptions } from './task'
import type { NumericArray } from './map'

/**
 * Built-in reductions. Each equals a plain JS reference exactly:
 * - `'sum'`: the exact sum of the elements, rounded once (correctly rounded, as Python's
 *   `math.fsum`; independent of order). No intermediate overflow: `[1e308, 1e308, -1e308]` → `1e308`;
 *   a sum beyond the double range is ±Infinity (where fsum raises). Any NaN → NaN; Infinity and
 *   -Infinity together → NaN. An exact zero is `-0` only when every element is `-0`; empty → `0`.
 * - `'mean'`: the exact sum divided by `length`, correctly rounded (one rounding, not
 *   `sum / length`'s two); finite where the sum overflows; NaN/±Infinity/±0 as `sum / length`;
 *   empty → NaN.
 * - `'min'` / `'max'`: `Math.min(...xs)` / `Math.max(...xs)` (NaN if any NaN, `-0 < +0`);
 *   empty → Infinity / -Infinity.
 * - `'minIndex'` / `'maxIndex'`: `xs.findIndex(x => Object.is(x, Math.min(...xs)))` (resp. max):
 *   the first NaN's index if any, else the first index of the extreme (`-0` counts as below `+0`);
 *   empty → -1.
 * - `'count'`: the number of elements (`xs.length`).
 */
export type ReduceOp = 'sum' | 'min' | 'max' | 'count' | 'mean' | 'minIndex' | 'maxIndex'

/** A custom reducer: a kernel `(acc, x, i) => …` in the numeric subset (see `Kernel`). */
export type Reducer = (acc: number, x: number, i: number) => number | boolean

/** A custom reducer's options. */
export interface ReducerOptions {
  /** The accumulator each leaf of the chunk tree starts from (and the result for an empty input). */
  init: number
  /** Combines two leaf results, `(a, b) => …`, a kernel too; called left to right over the leaves. */
  combine: (a: number, b: number) => number | boolean
  /** Elements per leaf of the fixed chunk tree (never derived from the thread count). @default 16384 */
  chunkSize?: number
  /** Named constants the reducer and combine read as identifiers. */
  params?: Record<string, number>
}

/**
 * Reduces `input` on every core with a built-in op; resolves to a number.
 * Results never depend on the thread count or the schedule.
 */
export declare function parallelReduce(input: NumericArray, op: ReduceOp, opts?: TaskOptions): TaskHandle<number>
/**
 * Reduces `input` with a custom reducer over a fixed chunk tree: leaves of `chunkSize`
 * elements, each folded from `init` left to right (`acc = fn(acc, xs[i], i)`), then the leaf
 * results combined left to right (`combine(combine(r0, r1), r2)…`); an empty input gives `init`.
 * The same for every thread count. Missing `init`/`combine` is a TypeError `ERR_INVALID_ARG_TYPE`.
 */
export declare function parallelReduce(input: NumericArray, fn: Reducer, opts: ReducerOptions & TaskOptions): TaskHandle<number>

/** The blocking twin of parallelReduce (still uses every core); `signal`, `timeout` and `pool` are refused. */
export declare function parallelReduceSync(input: NumericArray, op: ReduceOp): number
export declare function parallelReduceSync(input: NumericArray, fn: Reducer, opts: ReducerOptions): number
