import type { TaskHandle, TaskOptions } from './task'

/** Built-in hashes over string/Buffer items. */
export type HashOp = 'xxh3' | 'sha256' | 'crc32'

/** Built-in numeric ops: `parallelMap(xs, 'sqrt')` is `parallelMap(xs, x => Math.sqrt(x))`. */
export type BuiltinOp =
  | 'abs' | 'acos' | 'acosh' | 'asin' | 'asinh' | 'atan' | 'atanh' | 'cbrt' | 'ceil' | 'clz32' | 'cos' | 'cosh'
  | 'exp' | 'expm1' | 'floor' | 'fround' | 'log' | 'log10' | 'log1p' | 'log2' | 'round' | 'sign' | 'sin' | 'sinh'
  | 'sqrt' | 'tan' | 'tanh' | 'trunc'

/** Numeric inputs. They are copied when the call starts, so the caller may reuse or transfer them at once. */
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

/** Output element types (converted like a typed array store: fround, ToInt32, ToUint32, modulo 256). */
export type OutputType = 'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'

export interface OutputArrays {
  float64: Float64Array
  float32: Float32Array
  int32: Int32Array
  uint32: Uint32Array
  uint8: Uint8Array
}

export interface MapOptions<O extends OutputType = 'float64'> extends TaskOptions {
  /** Named constants the kernel reads as identifiers (a kernel cannot capture variables). */
  params?: Record<string, number>
  /** Output element type. @default 'float64' */
  output?: O
  /** Elements per chunk (cancellation is checked between chunks). @default length / (threads × 8) within 1024..65536; for kernels with loops length / (threads × 64) within 256..16384 */
  chunkSize?: number
}

export type SyncMapOptions<O extends OutputType = 'float64'> = Omit<MapOptions<O>, keyof TaskOptions>

/**
 * Maps `fn` over `input` on every core (`fn` is compiled to native code once
 * and cached). Several equal-length inputs are zipped: `parallelMap([xs, ys], (x, y, i) => …)`.
 * A kernel outside the subset rejects with a TypeError `code: 'ERR_UNSUPPORTED_KERNEL'`
 * carrying `line` and `column` (within the function's source); so does a kernel nested
 * too deeply (more than 400 levels), with more than 4096 variables in one function or
 * more than 4096 arguments in one call. An input copy or output too large to allocate
 * rejects with a RangeError `code: 'ERR_OUT_OF_MEMORY'` naming the size. Results are
 * ordinary V8-owned typed arrays. A hash op (`'xxh3'`, `'sha256'`, `'crc32'`) takes an
 * array of strings or Buffers (one Buffer alone is `ERR_INVALID_ARG_TYPE`: pass `[buf]`);
 * a kernel or Math op given an array of strings is `ERR_INVALID_ARG_TYPE` naming the hash ops.
 */
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'xxh3', opts?: TaskOptions): TaskHandle<BigUint64Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'crc32', opts?: TaskOptions): TaskHandle<Uint32Array>
export declare function parallelMap(input: Array<string | Uint8Array>, fn: 'sha256', opts?: TaskOptions): TaskHandle<Buffer[]>
export declare function parallelMap<O extends OutputType = 'float64'>(
  input: NumericArray | NumericArray[],
  fn: Kernel | BuiltinOp,
  opts?: MapOptions<O>,
): TaskHandle<OutputArrays[O]>

/**
 * The blocking twin of parallelMap: same results, computed on every core while the caller waits.
 * It cannot be cancelled: `signal`, `timeout` or `pool` in the options is a TypeError
 * `ERR_INVALID_ARG_VALUE` naming the option (use parallelMap for them).
 */
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'xxh3'): BigUint64Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'crc32'): Uint32Array
export declare function parallelMapSync(input: Array<string | Uint8Array>, fn: 'sha256'): Buffer[]
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
 * with `R`). A boolean argument is passed as its number (1 or 0).
 */
export declare function spawn<R extends number | boolean | undefined = number>(fn: Kernel, args?: Array<number | boolean>, opts?: TaskOptions & { params?: Record<string, number> }): TaskHandle<R>

/** Compiles `fn` (cached) without running it; throws the ERR_UNSUPPORTED_KERNEL TypeError outside the subset. */
export declare function compileKernel(fn: Kernel | BuiltinOp, opts?: { params?: Record<string, number>; inputs?: number }): void
