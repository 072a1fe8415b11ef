'use strict'
// parallelMap / parallelMapSync / spawn: JS kernels compiled to native code
// (see crates/kernel) and run on every core. The hash ops over string/Buffer
// items are routed to the foundation's hash binding.

const native = require('./load.js').binding
const { codeError, invalidType, received } = require('./errors.js')
const { refuseTaskOptions } = require('./options.js')
const { runTask } = require('./task.js')
const { reportTotal } = require('./progress.js')

/** @typedef {'xxh3' | 'sha256' | 'crc32'} Hash */
/** @typedef {Parameters<typeof native.parallelMapSync>[2]} MapOptions the native options (checked there) */

/** @type {Set<unknown>} */
const HASHES = new Set(['xxh3', 'sha256', 'crc32'])

/** The hash ops, as messages list them. */
const HASH_LIST = "'xxh3', 'sha256' and 'crc32'"

/**
 * Whether this call hashes string/Buffer items (the items are checked natively).
 * @param {unknown} input
 * @param {unknown} fn
 * @returns {fn is Hash}
 */
function isHashCall(input, fn) {
  return typeof fn === 'string' && HASHES.has(fn) && Array.isArray(input)
}

/**
 * A hash op given something other than an array of items (one Buffer, a
 * string): the error says what hashes take and how to hash one item.
 * @param {unknown} input
 * @param {string} op
 */
function notHashItems(input, op) {
  return codeError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `The "input" argument must be an array of strings or Buffers for the hash op '${op}' (to hash one item, pass [item]). Received ${received(input)}`,
  )
}

/**
 * An array of strings given to a kernel or a Math op: the error names the
 * hash ops, which take strings. (Only the first element is looked at, at no
 * cost; a mixed array converts each element as `Float64Array.from` does.)
 * @param {unknown} input
 * @param {unknown} fn
 */
function checkNotStrings(input, fn) {
  if (!Array.isArray(input) || typeof input[0] !== 'string') return
  const what = typeof fn === 'string' ? `the Math op '${fn}'` : 'a kernel'
  throw codeError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `The "input" argument must be a TypedArray or an array of numbers for ${what}. Received an array of strings. The hash ops (${HASH_LIST}) take an array of strings or Buffers.`,
  )
}


/**
 * @param {unknown} a
 * @returns {a is ArrayLike<number>}
 */
function isNumericView(a) {
  return ArrayBuffer.isView(a) && !(a instanceof DataView)
}

/**
 * @param {unknown} a
 * @param {string} name the argument's name, for errors
 * @returns {ArrayLike<number>}
 */
function toColumn(a, name) {
  if (isNumericView(a)) return a
  if (Array.isArray(a)) {
    try {
      return Float64Array.from(a)
    } catch (cause) {
      // An element without a number value (a Symbol, a BigInt, an object whose
      // valueOf throws): V8's own TypeError carries no code.
      const err = invalidType(name, 'a TypedArray or an array of values that convert to numbers', a)
      err.cause = cause
      throw err
    }
  }
  throw invalidType(name, 'a TypedArray, a number[] or an array of them', a)
}

/**
 * One input → [column]; several equal-length inputs ([xs, ys]) → columns zipped as (x, y, …, i).
 * @param {unknown} input
 */
function toColumns(input) {
  if (Array.isArray(input) && input.length > 0 && (Array.isArray(input[0]) || isNumericView(input[0]))) {
    return input.map((c, i) => toColumn(c, `input[${i}]`))
  }
  return [toColumn(input, 'input')]
}

/**
 * A kernel's source: `fn.toString()`, or a built-in op name such as 'sqrt'.
 * @param {unknown} fn
 */
function sourceOf(fn) {
  if (typeof fn === 'function') return Function.prototype.toString.call(fn)
  if (typeof fn === 'string') return fn
  throw invalidType('fn', 'a function or the name of a built-in op', fn)
}

/**
 * @param {unknown} args
 * @returns {number[]}
 */
function toArgs(args) {
  if (args === undefined) return []
  if (!Array.isArray(args)) throw invalidType('args', 'an array of numbers', args)
  return args.map((a, i) => {
    if (typeof a === 'number') return a
    if (typeof a === 'boolean') return a ? 1 : 0
    throw invalidType(`args[${i}]`, 'of type number', a)
  })
}

/**
 * A hash op given `out`: hashes make their own arrays (a coded TypeError, not silence).
 * @param {unknown} opts
 * @param {string} op
 */
function refuseHashOut(opts, op) {
  if (opts !== null && typeof opts === 'object' && /** @type {{ out?: unknown }} */ (opts).out !== undefined) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "options.out" argument is not supported by the hash op '${op}' (it returns a new array).`)
  }
}

/**
 * Maps `fn` over `input` on every core; returns a TaskHandle of the output
 * typed array (`opts.out` when given: see lib/map.d.ts for in place, shared
 * memory and aliasing).
 * @param {unknown} input
 * @param {unknown} fn
 * @param {import('./task.js').TaskOptions & MapOptions} [opts]
 */
function parallelMap(input, fn, opts) {
  // Everything that reads the arguments runs inside runTask's guard: an
  // async function rejects, it never throws (a revoked Proxy input included).
  return runTask(opts, (task) => {
    if (isHashCall(input, fn)) {
      refuseHashOut(opts, fn)
      return native.hashAsync(task, /** @type {Array<string | Uint8Array>} */ (input), fn)
    }
    if (HASHES.has(fn)) throw notHashItems(input, /** @type {string} */ (fn))
    checkNotStrings(input, fn)
    const columns = toColumns(input)
    reportTotal(columns[0].length)
    return native.parallelMapAsync(task, columns, sourceOf(fn), opts)
  })
}

/**
 * The blocking twin of parallelMap (still uses every core). It cannot be
 * cancelled, so `signal`, `timeout` and `pool` are refused (see refuseTaskOptions).
 * @param {unknown} input
 * @param {unknown} fn
 * @param {MapOptions} [opts]
 */
function parallelMapSync(input, fn, opts) {
  refuseTaskOptions(opts, 'parallelMapSync', 'the async parallelMap(input, fn, …)')
  if (isHashCall(input, fn)) {
    refuseHashOut(opts, fn)
    return native.hashSync(/** @type {Array<string | Uint8Array>} */ (input), fn)
  }
  if (HASHES.has(fn)) throw notHashItems(input, /** @type {string} */ (fn))
  checkNotStrings(input, fn)
  return native.parallelMapSync(toColumns(input), sourceOf(fn), opts)
}

/**
 * Runs `fn(...args)` once on the pool; cancellable at the kernel's loop back-edges.
 * @param {unknown} fn
 * @param {unknown} [args]
 * @param {import('./task.js').TaskOptions & MapOptions} [opts]
 */
function spawn(fn, args, opts) {
  return runTask(opts, startSpawn, [fn, args, opts])
}

/**
 * Compiled spawn kernels per JS function, by argument count (0 to 4): a hot
 * `spawn` passes a small integer handle and its arguments as numbers, instead
 * of the source text (which the native side would otherwise copy and hash on
 * every call) and an array. A handle is released when its function is collected.
 * @type {WeakMap<Function, number[]>}
 */
const spawnKernels = new WeakMap()
const releaseKernels = new FinalizationRegistry((/** @type {number[]} */ handles) => {
  for (const handle of handles) if (handle !== undefined) native.releaseSpawnKernel(handle)
})

/**
 * `spawn`'s start (module-level: no closure per call).
 * @param {import('../binding.js').TaskArg} task
 * @param {[unknown, unknown, (import('./task.js').TaskOptions & MapOptions) | undefined]} call `[fn, args, opts]`
 */
function startSpawn(task, call) {
  const [fn, args, opts] = call
  if (typeof fn !== 'function' || !isNumberArray(args) || args.length > 4 || hasParams(opts)) {
    return native.spawnAsync(task, sourceOf(fn), toArgs(args), opts)
  }
  const n = args.length
  let handles = spawnKernels.get(fn)
  let handle = handles?.[n]
  if (handle === undefined) {
    handle = native.compileSpawnKernel(sourceOf(fn), n)
    if (handles === undefined) {
      handles = []
      spawnKernels.set(fn, handles)
      releaseKernels.register(fn, handles)
    }
    handles[n] = handle
  }
  // The arguments as numbers after the handle: no array for the native side to read.
  if (n === 1) return native.spawnKernelAsync(task, handle, args[0])
  if (n === 2) return native.spawnKernelAsync(task, handle, args[0], args[1])
  if (n === 0) return native.spawnKernelAsync(task, handle)
  if (n === 3) return native.spawnKernelAsync(task, handle, args[0], args[1], args[2])
  return native.spawnKernelAsync(task, handle, args[0], args[1], args[2], args[3])
}

/**
 * A plain array of numbers (what the fast path passes through as is).
 * @param {unknown} args
 * @returns {args is number[]}
 */
function isNumberArray(args) {
  if (!Array.isArray(args)) return false
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return false
  return true
}

/**
 * Whether spawn options name params (those kernels take the source path).
 * @param {unknown} opts
 */
function hasParams(opts) {
  return opts !== undefined && opts !== null && typeof opts === 'object' && /** @type {{ params?: unknown }} */ (opts).params !== undefined
}

/**
 * Compiles `fn` (cached) without running it; throws ERR_UNSUPPORTED_KERNEL outside the subset.
 * @param {unknown} fn
 * @param {unknown} [opts] `{ params, inputs }`
 */
function compileKernel(fn, opts) {
  if (opts !== undefined && opts !== null && typeof opts !== 'object') throw invalidType('options', 'of type object', opts)
  const given = /** @type {{ params?: unknown, inputs?: number }} */ (opts ?? {})
  const params = given.params // read once: a getter may answer differently each time
  if (params !== undefined && params !== null && typeof params !== 'object') {
    throw invalidType('options.params', 'an object of numbers and arrays', params)
  }
  // Array params are compiled for their element kinds: pass the values then.
  const arrays = params ? Object.values(params).some((v) => typeof v === 'object' && v !== null) : false
  // The values are checked natively (ERR_INVALID_ARG_TYPE naming each one).
  const values = /** @type {{ params: Record<string, any> }} */ ({ params })
  native.compileKernel(sourceOf(fn), params ? (arrays ? values : Object.keys(params)) : [], given.inputs ?? 1)
}

module.exports = { parallelMap, parallelMapSync, spawn, compileKernel, toColumn }
