import type { TaskHandle, TaskOptions } from './task'
import type { WorkerOptions, EngineChoice } from './engine/index'
export type { WorkerOptions, EngineChoice } from './engine/index'
export { move } from './engine/index'
export { taskSignal } from './engine/current'

/** Built-in hashes over string/Buffer items. */
export type HashOp = 'xxh3' | 'sha256' | 'crc32'

/** Built-in numeric ops: `parallelMap(xs, 'sqrt')` is `parallelMap(xs, x => Math.sqrt(x))`. */
export type BuiltinOp =
  | 'abs' | 'acos' | 'acosh' | 'asin' | 'asinh' | 'atan' | 'atanh' | 'cbrt' | 'ceil' | 'clz32' | 'cos' | 'cosh'
  | 'exp' | 'expm1' | 'floor' | 'fround' | 'log' | 'log10' | 'log1p' | 'log2' | 'round' | 'sign' | 'sin' | 'sinh'
  | 'sqrt' | 'tan' | 'tanh' | 'trunc'

/**
 * Numeric inputs. An async call copies them when it starts (so the caller may
 * reuse, transfer or detach them at once), except a `Float64Array` over a
 * `SharedArrayBuffer`, which it reads in place: JS writing it during the task
 * races with the read (each element's result is computed from its old or its
 * new value). A sync call reads any `Float64Array` in place.
 */
export type NumericArray =
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array
  | Uint8ClampedArray | number[]

/**
 * A kernel: an arrow function or function expression over numbers, written in
 * the numeric subset (numbers, booleans and `undefined`; arithmetic/bitwise/
 * comparison/logical operators, `==`/`===` (with `null` too), `??`,
 * `let`/`const`/`var` (hoisted), `if`/loops, `Math.*`, `Number.is*`, nested
 * function declarations incl. recursion, which may read the enclosing
 * function's variables). It receives `(x, i)` for one input or `(x, y, …, i)`
 * for several; it cannot capture variables from outside it — pass them in
 * `params` and read them by name. In `parallelMap` the output holds each
 * result as a number (ToNumber: a boolean is 1 or 0, `undefined` is NaN);
 * `spawn` resolves to the value itself.
 */
export type Kernel = (...args: number[]) => number | boolean | undefined

/** A `spawn` kernel: its parameters take the kinds of the arguments given (numbers, booleans, `undefined`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SpawnKernel = (...args: any[]) => number | boolean | undefined

/** A param's value: a number, or a read-only array the kernel indexes (no BigInt arrays). */
export type ParamValue =
  | number
  | number[]
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array

/** `params`: named numbers and arrays. */
export type Params = Record<string, ParamValue>

/** Output element types (converted like a typed array store: fround, ToInt32, ToUint32, modulo 256). */
export type OutputType = 'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'

export interface OutputArrays {
  float64: Float64Array
  float32: Float32Array
  int32: Int32Array
  uint32: Uint32Array
  uint8: Uint8Array
}

/** The typed arrays `out` may be. */
export type OutArray = OutputArrays[OutputType]

export interface MapOptions<O extends OutputType = 'float64'> extends TaskOptions {
  /**
   * `'auto'` (default): the JIT for a kernel over numeric input (or with `params`), else the
   * worker engine; `'native'` insists on the JIT (a non-kernel rejects with ERR_UNSUPPORTED_KERNEL).
   */
  engine?: EngineChoice
  /**
   * Named constants the kernel reads as identifiers (a kernel cannot capture variables):
   * numbers, and read-only arrays it indexes as `name[j]` (`undefined` out of range, as
   * in JS) with `name.length`. An async call copies an array over a plain ArrayBuffer
   * at the call (later writes are not seen) and reads one over a SharedArrayBuffer in
   * place; a plain `number[]` is copied to doubles.
   */
  params?: Params
  /** Output element type. @default 'float64' */
  output?: O
  /**
   * Writes the results into this typed array (of the input's length; its kind is the
   * output type, and `output`, if given, must name the same kind) and resolves to it:
   * no output is allocated. A sync call writes it in place; so does an async call when
   * it is over a `SharedArrayBuffer` (after a cancel or timeout, a few chunks may still
   * land in it until the job stops). An async call fills a plain one when it settles,
   * and rejects with a TypeError `ERR_INVALID_ARG_VALUE` if JS detached or shrank it
   * meanwhile. `out` may be (or overlap) an input: results are as if the whole input
   * were read before anything is written (an overlapping input is copied first).
   * A wrong kind is `ERR_INVALID_ARG_TYPE`, a wrong length a RangeError `ERR_INVALID_ARG_VALUE`.
   */
  out?: OutputArrays[O]
  /** Elements per chunk (cancellation is checked between chunks). @default length / (threads × 8) within 1024..65536; for kernels with loops length / (threads × 64) within 256..16384 */
  chunkSize?: number
}

export type SyncMapOptions<O extends OutputType = 'float64'> = Omit<MapOptions<O>, keyof TaskOptions | 'engine'>

/**
 * Maps `fn` over `input` on every core (`fn` is compiled to native code once
 * and cached). Several equal-length inputs are zipped: `parallelMap([xs, ys], (x, y, i) => …)`.
 * A kernel outside the subset rejects with a TypeError `code: 'ERR_UNSUPPORTED_KERNEL'`
 * carrying `line` and `column` (within the function's source); so does a kernel nested
 * too deeply (more than 400 levels), with more than 4096 variables in one function or
 * more than 4096 arguments in one call. An input copy or output too large to allocate
 * rejects with a RangeError `code: 'ERR_OUT_OF_MEMORY'` naming the size. Results are
 * ordinary V8-owned typed arrays (or `opts.out`). A hash op (`'xxh3'`, `'sha256'`, `'crc32'`) takes an
 * array of strings or Buffers (one Buffer alone is `ERR_INVALID_ARG_TYPE`: pass `[buf]`);
 * a kernel or Math op given an array of strings is `ERR_INVALID_ARG_TYPE` naming the hash ops.
 */
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'xxh3', opts?: TaskOptions): TaskHandle<BigUint64Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'crc32', opts?: TaskOptions): TaskHandle<Uint32Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'sha256', opts?: TaskOptions): TaskHandle<Buffer[]>
export declare function parallelMap<A extends OutArray>(
  input: NumericArray | NumericArray[],
  fn: Kernel | BuiltinOp,
  opts: Omit<MapOptions, 'out' | 'output'> & { out: A; output?: OutputType },
): TaskHandle<A>
export declare function parallelMap<O extends OutputType = 'float64'>(
  input: NumericArray | NumericArray[],
  fn: Kernel | BuiltinOp,
  opts?: MapOptions<O>,
): TaskHandle<OutputArrays[O]>
/**
 * Any self-contained JS function over an array (or TypedArray) of items, on
 * the worker engine (worker_threads fed from the native queue): the items go
 * in chunks, each result is structured-cloned back, and the handle resolves
 * to the array of results in order. Under `engine: 'auto'` this is what runs
 * when `fn` is not a kernel or the input is not numeric. `fn` cannot capture
 * variables: pass them in `context`. An async `fn` is awaited (per item).
 * `onProgress` counts items.
 */
export declare function parallelMap<T, R>(
  items: ArrayLike<T>,
  fn: (item: T, index: number) => R,
  opts?: WorkerOptions & { chunkSize?: number },
): TaskHandle<Awaited<R>[]>

/**
 * The blocking twin of parallelMap: same results, computed on every core while the caller waits.
 * It cannot be cancelled: `signal`, `timeout` or `pool` in the options is a TypeError
 * `ERR_INVALID_ARG_VALUE` naming the option (use parallelMap for them).
 */
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'xxh3'): BigUint64Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'crc32'): Uint32Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'sha256'): Buffer[]
export declare function parallelMapSync<A extends OutArray>(
  input: NumericArray | NumericArray[],
  fn: Kernel | BuiltinOp,
  opts: Omit<SyncMapOptions, 'out' | 'output'> & { out: A; output?: OutputType },
): A
export declare function parallelMapSync<O extends OutputType = 'float64'>(
  input: NumericArray | NumericArray[],
  fn: Kernel | BuiltinOp,
  opts?: SyncMapOptions<O>,
): OutputArrays[O]

/**
 * Runs `fn(...args)` once on the pool, compiled to native code. Cancelling
 * (handle.cancel(), signal, timeout) stops the kernel at its next loop
 * iteration. Unbounded recursion rejects with a RangeError
 * (`code: 'ERR_KERNEL_STACK_OVERFLOW'`). Resolves to the kernel's result as
 * JS gives it: a number, a boolean or `undefined` (name the type you expect
 * with `R`). Each argument reaches the kernel as the value it is: a boolean
 * stays a boolean (`a === true` holds for `true`, not for `1`), `undefined`
 * stays `undefined` (the kernel is compiled once per set of argument kinds).
 */
export declare function spawn<R extends number | boolean | undefined = number>(fn: SpawnKernel, args?: Array<number | boolean | undefined>, opts?: TaskOptions & { params?: Params; engine?: EngineChoice }): TaskHandle<R>
/**
 * Runs any self-contained JS function once on a worker (the worker engine):
 * `fn(...args)` with structured-cloned arguments (SharedArrayBuffer views
 * shared, `move()`d or `transfer`red buffers handed over), resolving to its
 * structured-cloned result (an async function's is awaited). A function that
 * reads an outer variable rejects at the call with a TypeError
 * `ERR_CAPTURED_VARIABLE` naming it (pass it in `context` or as an argument);
 * `require` and `import()` resolve as in the calling file; an error thrown in
 * `fn` rejects with an Error of the same name, message, code and stack.
 */
export declare function spawn<A extends unknown[], R>(fn: (...args: A) => R, args: A, opts?: WorkerOptions): TaskHandle<Awaited<R>>
export declare function spawn<R>(fn: () => R, args?: [], opts?: WorkerOptions): TaskHandle<Awaited<R>>

/**
 * `fn` made callable in parallel: each call runs `fn(...args)` as
 * `spawn(fn, args, opts)` does and returns its TaskHandle. The checks
 * (source, free variables, `context`) run once, here: a captured variable
 * throws the TypeError `ERR_CAPTURED_VARIABLE` from `parallel` itself.
 * `context` values are read once, here.
 */
export declare function parallel<F extends (...args: any[]) => any>(
  fn: F,
  opts?: WorkerOptions,
): (...args: Parameters<F>) => TaskHandle<Awaited<ReturnType<F>>>

/**
 * @internal The input reader parallelMap and parallelReduce share: a numeric TypedArray as is, a
 * number[] as a Float64Array, anything else an `ERR_INVALID_ARG_TYPE` TypeError naming `name`.
 * Not exported from the package root.
 */
export declare function toColumn(a: unknown, name: string): ArrayLike<number>

/** Compiles `fn` (cached) without running it; throws the ERR_UNSUPPORTED_KERNEL TypeError outside the subset. */
export declare function compileKernel(fn: Kernel | BuiltinOp, opts?: { params?: Params; inputs?: number }): void
