'use strict'
// parallelMap / parallelMapSync / spawn: JS kernels compiled to native code
// (see crates/kernel) and run on every core. The hash ops over string/Buffer
// items are routed to the foundation's hash binding.

const native = require('./load.js').binding
const { codeError, invalidType, received } = require('./errors.js')
const { refuseTaskOptions } = require('./options.js')
const { runTask } = require('./task.js')
const workers = require('./engine/index.js')
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
  if (!Array.isArray(args)) throw invalidType('args', 'an array of numbers, booleans and undefined', args)
  // Booleans and undefined pass as they are: the kernel sees their kinds.
  return Array.from(args, (a, i) => {
    if (typeof a === 'number' || typeof a === 'boolean' || a === undefined) return a
    throw invalidType(`args[${i}]`, 'of type number, boolean or undefined', a)
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
  /** @type {boolean} */
  let onWorkers
  try {
    onWorkers = mapsOnWorkers(input, fn, opts)
  } catch (err) {
    return runTask(undefined, () => {
      throw err
    })
  }
  if (onWorkers) return workers.mapOnWorker(input, fn, opts)
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
  /** @type {boolean} */
  let onWorkers
  try {
    onWorkers = spawnsOnWorkers(fn, args, opts)
  } catch (err) {
    return runTask(undefined, () => {
      throw err
    })
  }
  if (onWorkers) return workers.spawnOnWorker(fn, args, opts)
  return runTask(opts, startSpawn, [fn, args, opts])
}

/**
 * `parallel(fn, opts)`: a function whose calls run `fn` (with the call's
 * arguments) as `spawn(fn, args, opts)` does, returning TaskHandles. The
 * worker checks (source, free variables, context) are done once, here.
 * @param {unknown} fn
 * @param {unknown} [opts]
 */
function parallel(fn, opts) {
  if (typeof fn !== 'function') throw invalidType('fn', 'a function', fn)
  if (opts !== undefined && opts !== null && typeof opts !== 'object') throw invalidType('options', 'of type object', opts)
  const engine = workers.engineOption(opts)
  if (engine === 'native' || (engine === 'auto' && !hasWorkerOptions(opts) && isSpawnKernel(fn, 0, opts, true))) {
    /** @type {((args: unknown[]) => unknown) | undefined} */
    let onWorker
    if (engine === 'auto') {
      try {
        onWorker = workers.parallelOnWorker(fn, opts, true)
      } catch {
        onWorker = undefined // not sendable: calls run natively (and fail there if they must)
      }
    }
    const name = fn.name
    return {
      /** @param {unknown[]} args */
      [name](...args) {
        if (onWorker !== undefined && !(isNumberArray(args) && isSpawnKernel(fn, args.length, opts, false))) return onWorker(args)
        return spawn(fn, args, /** @type {any} */ (opts))
      },
    }[name]
  }
  return workers.parallelOnWorker(fn, opts)
}

/**
 * Whether options name what only workers take (context, transfer).
 * @param {unknown} opts
 */
function hasWorkerOptions(opts) {
  if (opts === undefined || opts === null || typeof opts !== 'object') return false
  const o = /** @type {{ context?: unknown, transfer?: unknown }} */ (opts)
  return o.context !== undefined || o.transfer !== undefined
}

/**
 * Kernel verdicts per function: `${kind}:${count}` → whether it compiles as a kernel.
 * @type {WeakMap<Function, Map<string, boolean>>}
 */
const verdicts = new WeakMap()

/**
 * Whether `compile()` succeeds, i.e. fn is a kernel; only ERR_UNSUPPORTED_KERNEL
 * says no (other errors are the native path's to report). Cached per function
 * when `cache`.
 * @param {Function} fn
 * @param {string} key
 * @param {boolean} cache
 * @param {() => void} compile
 */
function verdict(fn, key, cache, compile) {
  let known = verdicts.get(fn)
  const v = known?.get(key)
  if (v !== undefined) return v
  let ok = true
  try {
    compile()
  } catch (err) {
    if (/** @type {{ code?: unknown }} */ (err)?.code === 'ERR_UNSUPPORTED_KERNEL') ok = false
  }
  if (cache) {
    if (known === undefined) {
      known = new Map()
      verdicts.set(fn, known)
    }
    known.set(key, ok)
  }
  return ok
}

/**
 * Whether `fn` runs natively as a spawn kernel of `n` arguments.
 * @param {Function} fn
 * @param {number} n
 * @param {unknown} opts
 * @param {boolean} probe only to see whether it is a kernel at all (parallel())
 */
function isSpawnKernel(fn, n, opts, probe) {
  if (hasParams(opts)) return true // the kernels' option: meant for the JIT
  if (probe || n > 4) return verdict(fn, `k${Math.max(1, n)}`, true, () => compileKernel(fn, { inputs: Math.max(1, n) }))
  return verdict(fn, `s${n}`, true, () => spawnHandle(fn, n))
}

/**
 * Which engine a spawn runs on (options.engine; auto: native for a kernel with numeric args).
 * @param {unknown} fn
 * @param {unknown} args
 * @param {unknown} opts
 */
function spawnsOnWorkers(fn, args, opts) {
  const engine = workers.engineOption(opts)
  if (engine === 'worker') return true
  if (engine === 'native' || typeof fn !== 'function') return false
  if (hasWorkerOptions(opts)) return true
  if (args !== undefined && !isNumericArgs(args)) return true
  if (hasParams(opts)) return false // the kernels' option: meant for the JIT
  return !isSpawnKernel(fn, args === undefined ? 0 : /** @type {unknown[]} */ (args).length, opts, false)
}

/**
 * Numbers and booleans only (what a kernel takes).
 * @param {unknown} args
 */
function isNumericArgs(args) {
  if (!Array.isArray(args)) return false
  for (let i = 0; i < args.length; i++) {
    const t = typeof args[i]
    if (t !== 'number' && t !== 'boolean') return false
  }
  return true
}

/**
 * Which engine a parallelMap runs on (options.engine; auto: native for a
 * built-in op, a hash, or a kernel over numeric input).
 * @param {unknown} input
 * @param {unknown} fn
 * @param {unknown} opts
 */
function mapsOnWorkers(input, fn, opts) {
  const engine = workers.engineOption(opts)
  if (engine === 'worker') return true
  if (engine === 'native' || typeof fn !== 'function') return false
  if (hasWorkerOptions(opts)) return true
  const inputs = numericInputs(input)
  if (inputs === 0) return true
  // `params` is the kernels' option: a call with it is meant for the JIT (and gets its errors).
  if (hasParams(opts)) return false
  return !verdict(fn, `m${inputs}`, true, () => compileKernel(fn, { inputs }))
}

/**
 * How many numeric inputs `input` is (1, or the zipped count), 0 when it is not numeric.
 * @param {unknown} input
 */
function numericInputs(input) {
  if (isNumericView(input)) return 1
  if (!Array.isArray(input)) return 0
  if (input.length === 0) return 1
  const first = input[0]
  if (typeof first === 'number' || typeof first === 'boolean') return 1
  if (isNumericView(first) || (Array.isArray(first) && (first.length === 0 || typeof first[0] === 'number'))) return input.length
  return 0
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
  const handle = spawnHandle(fn, n)
  // The arguments as numbers after the handle: no array for the native side to read.
  if (n === 1) return native.spawnKernelAsync(task, handle, args[0])
  if (n === 2) return native.spawnKernelAsync(task, handle, args[0], args[1])
  if (n === 0) return native.spawnKernelAsync(task, handle)
  if (n === 3) return native.spawnKernelAsync(task, handle, args[0], args[1], args[2])
  return native.spawnKernelAsync(task, handle, args[0], args[1], args[2], args[3])
}

/**
 * The compiled spawn kernel of `fn` with `n` arguments (cached per function).
 * @param {Function} fn
 * @param {number} n
 */
function spawnHandle(fn, n) {
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
  return handle
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

module.exports = { parallelMap, parallelMapSync, spawn, spawnsOnWorkers, parallel, move: workers.move, taskSignal: require("./engine/current.js").taskSignal, compileKernel, toColumn }
