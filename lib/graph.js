'use strict'
// graph(): dependent computations. A node is a kernel (a numeric JS
// function, compiled), a worker function (any other function, run by the
// worker engine), a built-in op name ('sqrt') or a Promise/TaskHandle (a
// constant). Its parameters name its inputs. The structure is planned
// natively once (crates/graph: cycle, critical-path priorities), the
// kernels compiled together then. A run whose nodes to compute are all
// kernels on numbers is ONE native task (no JS between nodes); any other
// run is scheduled here by readiness (lib/graph/scheduler.js), each node
// its own task, under one held task so the run is still one TaskHandle.
// Runs are incremental: only what depends on changed inputs recomputes.

const native = require('./load.js').binding
const { codeError, invalidType, invalidValue } = require('./errors.js')
const { runTask, finishing } = require('./task.js')
const { paramNames, isNative } = require('./graph/params.js')
const { Runner, dependencyFailed, OK, FAILED } = require('./graph/scheduler.js')
const map = require('./map.js')

// Untyped views of map.js's entry points: a node's function, an op's
// source or a worker function all go through them (the engine option picks).
/** @type {(fn: unknown, args: unknown[], opts?: unknown) => import('./task.js').TaskHandle<unknown>} */
const spawn = /** @type {any} */ (map.spawn)
/** @type {(input: unknown, fn: unknown, opts?: unknown) => import('./task.js').TaskHandle<unknown>} */
const parallelMap = /** @type {any} */ (map.parallelMap)

/** The built-in unary ops (as parallelMap takes them). */
const OPS = new Set([
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp', 'expm1',
  'floor', 'fround', 'log', 'log10', 'log1p', 'log2', 'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
])

/** Native result kinds (src/graph.rs). */
const K_NUMBER = 0
const K_BOOLEAN = 1
const K_FAILED = 3
const K_DEP_FAILED = 4
const K_KEPT = 5
const K_CANCELLED = 6

/**
 * @typedef {object} NodeDef
 * @property {string} name
 * @property {'fn' | 'op' | 'const'} kind
 * @property {unknown} fn the function, the op name or the thenable
 * @property {string[]} deps
 * @property {Record<string, unknown> | undefined} opts the node's task/worker options
 * @property {{ state: 'pending' | 'ok' | 'failed', value: unknown }} [constant]
 */

/**
 * @typedef {object} Plan
 * @property {string[]} names nodes in add order, then the inputs nobody added
 * @property {Map<string, number>} index
 * @property {(NodeDef | undefined)[]} defs undefined: an input
 * @property {number} nodes how many of `names` are added nodes
 * @property {number[][]} deps
 * @property {number[][]} dependents
 * @property {number[]} priority
 * @property {number[]} kernel 1: compiles as a kernel
 * @property {number} handle the native plan
 * @property {boolean} allKernels every added node is a kernel without options
 * @property {(values: unknown[]) => Record<string, unknown>} results the added nodes' values by name
 * @property {number} thenIndex the index of an added node named 'then', or -1
 * @property {Float64Array} scratch the values a native run is given (copied by the call)
 */

const NOTHING = Symbol('nothing')
/** A native run's `active` (the native side computes its own). */
const NO_ACTIVE = new Uint8Array(0)

/**
 * A run's own state: what it started from and was given.
 * @typedef {{ generation: number, plan: Plan, values: unknown[], nowGiven: unknown[], active: Uint8Array }} RunState
 */

/** @type {WeakMap<Runner, RunState>} the run of each JS-driven Runner */
const runs = new WeakMap()

const releasePlans = new FinalizationRegistry((/** @type {{ handle: number }} */ held) => {
  native.graphRelease(held.handle)
})

/** The error a run rejects with when nodes failed (it carries the partial results). */
class GraphError extends AggregateError {
  /**
   * @param {unknown[]} errors the errors of the nodes that failed themselves
   * @param {Record<string, unknown>} results every node that succeeded, by name
   * @param {Record<string, unknown>} failed every node that failed, by name: its error (ERR_DEPENDENCY_FAILED for those whose input failed)
   */
  constructor(errors, results, failed) {
    const names = Object.keys(failed)
    super(errors, `${names.length} graph node${names.length === 1 ? '' : 's'} failed: ${names.join(', ')}`)
    this.name = 'GraphError'
    this.code = 'ERR_GRAPH_FAILED'
    this.results = results
    this.failed = failed
  }
}

/** A graph of named computations; see lib/graph.d.ts. */
class Graph {
  /** @type {Map<string, NodeDef>} */
  #defs = new Map()
  /** @type {Map<string, number>} names that nodes list but nobody added (yet), with how many list them */
  #wanted = new Map()
  /** @type {Plan | undefined} */
  #plan
  /** @type {{ handle: number }} what the FinalizationRegistry releases */
  #held = { handle: -1 }
  // Per plan: every node's last value, as numbers for native runs, whether it is current, what was given.
  /** @type {unknown[]} */
  #values = []
  /** @type {Float64Array} */
  #nums = new Float64Array(0)
  /** @type {Uint8Array} */
  #fresh = new Uint8Array(0)
  /** @type {unknown[]} the value given in run() for each node, or NOTHING */
  #given = []
  #generation = 0
  #committed = 0
  #runs = 0
  /** @type {{ plan: Plan | undefined, nodes: number[] }} the nodes the last run computed (named on demand) */
  #computed = { plan: undefined, nodes: [] }

  /**
   * Adds the node `name`: `fn` is a function (its parameters name its
   * inputs, unless `options.deps` lists them), a built-in op name (with
   * `options.deps`: one input) or a Promise/TaskHandle (a constant).
   * @param {string} name
   * @param {unknown} fn
   * @param {{ deps?: string[] } & Record<string, unknown>} [options]
   */
  add(name, fn, options) {
    if (typeof name !== 'string' || name === '') throw invalidType('name', 'a non-empty string', name)
    if (this.#defs.has(name)) throw invalidValue('name', 'names a node already in the graph', name)
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw invalidType('options', 'of type object', options)
    }
    const { deps: given, ...opts } = options ?? {}
    /** @type {NodeDef} */
    let def
    if (typeof fn === 'function') {
      if (isNative(fn)) {
        throw invalidValue('fn', `is a bound or built-in function, which has no source to run as node '${name}' (wrap it: (x) => f(x))`, fn)
      }
      def = { name, kind: 'fn', fn, deps: given === undefined ? paramNames(fn, name) : checkDeps(given), opts }
    } else if (typeof fn === 'string') {
      if (!OPS.has(fn)) {
        throw invalidValue('fn', `must be a function, a Promise or a built-in op (${[...OPS].join(', ')})`, fn)
      }
      const deps = given === undefined ? undefined : checkDeps(given)
      if (deps?.length !== 1) {
        throw invalidValue('options.deps', `must name the one input of the op '${fn}'`, given)
      }
      def = { name, kind: 'op', fn, deps, opts }
    } else if (isThenable(fn)) {
      def = { name, kind: 'const', fn, deps: [], opts, constant: { state: 'pending', value: undefined } }
      const constant = /** @type {NonNullable<NodeDef['constant']>} */ (def.constant)
      Promise.resolve(fn).then(
        (value) => {
          constant.state = 'ok'
          constant.value = value
        },
        (err) => {
          constant.state = 'failed'
          constant.value = err
        },
      )
    } else {
      throw invalidType('fn', 'a function, a built-in op name or a Promise', fn)
    }
    if (this.#wanted.has(name)) this.#refuseCycle(def)
    this.#wanted.delete(name)
    for (const d of def.deps) if (!this.#defs.has(d) && d !== name) this.#wanted.set(d, (this.#wanted.get(d) ?? 0) + 1)
    if (def.deps.includes(name)) throw cycleError([name, name])
    this.#defs.set(name, def)
    this.#plan = undefined
    return this
  }

  /**
   * Adding `def` would close a cycle if a path of inputs leads from it back to it (only
   * possible when earlier nodes named it before it existed).
   * @param {NodeDef} def
   */
  #refuseCycle(def) {
    // Depth-first along inputs from def; `from` records the path for the message.
    /** @type {Map<string, string>} */
    const from = new Map()
    const stack = def.deps.map((d) => [d, def.name])
    while (stack.length > 0) {
      const [v, parent] = /** @type {[string, string]} */ (stack.pop())
      if (from.has(v)) continue
      from.set(v, parent)
      if (v === def.name) {
        // Walk back: each node's input is the one after it in `path`.
        const path = [def.name]
        for (let w = /** @type {string} */ (from.get(def.name)); w !== def.name; w = /** @type {string} */ (from.get(w))) path.push(w)
        path.push(def.name)
        throw cycleError(path)
      }
      const d = this.#defs.get(v)
      if (d) for (const x of d.deps) stack.push([x, v])
    }
  }

  /**
   * Runs the graph: `inputs` provide the nodes nobody added and may
   * override added ones. Only nodes that depend on what changed since the
   * last run are recomputed. Resolves to every added node's value by name;
   * rejects with a GraphError (code ERR_GRAPH_FAILED) when nodes failed.
   * @param {Record<string, unknown>} [inputs]
   * @param {import('./task.js').TaskOptions} [opts]
   */
  run(inputs, opts) {
    /** @type {Runner | undefined} */
    let runner
    const handle = runTask(opts, (task) => {
      const started = this.#start(task, inputs)
      if (started instanceof Runner) {
        runner = started
        const slot = native.graphHold(task)
        const id = typeof task === 'number' ? task : task.id
        /** @type {() => unknown} */
        let value = noValue
        runner.done = (r) => {
          value = this.#commitJs(r)
          native.graphFinish(slot, id)
        }
        queueMicrotask(() => runner?.start())
        return finishing(slot, () => value())
      }
      return started
    })
    if (runner !== undefined) this.#watch(handle, runner, opts)
    return handle
  }

  /**
   * Stops a JS-driven run's nodes when its handle is cancelled, aborted or times out.
   * @param {import('./task.js').TaskHandle<unknown>} handle
   * @param {Runner} runner
   * @param {import('./task.js').TaskOptions | undefined} opts
   */
  #watch(handle, runner, opts) {
    const ended = () => {
      const s = handle.status
      return s === 'cancelled' || s === 'failed'
    }
    runner.ended = ended
    const cancel = handle.cancel
    Object.defineProperty(handle, 'cancel', {
      configurable: true,
      writable: true,
      value: (/** @type {unknown} */ reason) => {
        const done = cancel.call(handle, reason)
        if (done) runner.stop(reason)
        return done
      },
    })
    const signal = opts?.signal
    const onAbort = () => runner.stop(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const timeout = opts?.timeout
    const timer = typeof timeout === 'number' && timeout > 0 ? setTimeout(() => runner.stop(), timeout + 1) : undefined
    timer?.unref?.()
    const finish = runner.done
    runner.done = (r) => {
      signal?.removeEventListener('abort', onAbort)
      if (timer !== undefined) clearTimeout(timer)
      finish(r)
    }
  }

  /** The plan for the nodes added so far (made once per change of structure). */
  #ensurePlan() {
    if (this.#plan !== undefined) return this.#plan
    const names = [...this.#defs.keys()]
    const nodes = names.length
    /** @type {Map<string, number>} */
    const index = new Map(names.map((n, i) => [n, i]))
    for (const def of this.#defs.values()) {
      for (const d of def.deps) {
        if (!index.has(d)) {
          index.set(d, names.length)
          names.push(d)
        }
      }
    }
    /** @type {(NodeDef | undefined)[]} */
    const defs = names.map((n) => this.#defs.get(n))
    const deps = defs.map((def) => (def ? def.deps.map((d) => /** @type {number} */ (index.get(d))) : []))
    const offsets = new Uint32Array(names.length + 1)
    for (let i = 0; i < deps.length; i++) offsets[i + 1] = offsets[i] + deps[i].length
    const flat = Uint32Array.from(deps.flat())
    const sources = defs.map((def) => {
      if (def?.kind === 'fn' && def.opts?.engine !== 'worker') return Function.prototype.toString.call(def.fn)
      return def?.kind === 'op' ? /** @type {string} */ (def.fn) : null
    })
    const planned = native.graphPlan(flat, offsets, sources)
    if (planned.cycle) throw cycleError(planned.cycle.map((i) => names[i]))
    /** @type {number[][]} */
    const dependents = names.map(() => [])
    deps.forEach((ds, i) => {
      for (const d of new Set(ds)) dependents[d].push(i)
    })
    if (this.#held.handle >= 0) {
      native.graphRelease(this.#held.handle)
      releasePlans.unregister(this.#held)
    }
    const handle = /** @type {number} */ (planned.handle)
    this.#held = { handle }
    releasePlans.register(this, this.#held, this.#held)
    const kernelFlags = /** @type {number[]} */ (planned.kernels)
    // Every added node a kernel with no options: a run on numbers needs no per-node check.
    const allKernels = defs.every((def, i) => def === undefined || (kernelFlags[i] === 1 && Object.keys(def.opts ?? {}).length === 0))
    const plan = {
      scratch: new Float64Array(names.length),
      results: resultsMaker(names.slice(0, nodes)),
      thenIndex: names.slice(0, nodes).indexOf('then'),
      allKernels,
      names,
      index,
      defs,
      nodes,
      deps,
      dependents,
      priority: /** @type {number[]} */ (planned.priority),
      kernel: /** @type {number[]} */ (planned.kernels),
      handle,
    }
    this.#plan = plan
    this.#values = names.map(() => undefined)
    this.#nums = new Float64Array(names.length)
    this.#fresh = new Uint8Array(names.length)
    this.#given = names.map(() => NOTHING)
    return plan
  }

  /**
   * Starts a run: the native slot of an all-kernel run, or a Runner for a JS-driven one.
   * @param {import('../binding.js').TaskArg} task
   * @param {unknown} inputs
   * @returns {number | ReturnType<typeof finishing> | Runner}
   */
  #start(task, inputs) {
    if (inputs !== undefined && (inputs === null || typeof inputs !== 'object')) {
      throw invalidType('inputs', 'of type object', inputs)
    }
    const plan = this.#ensurePlan()
    const given = /** @type {Record<string, unknown>} */ (inputs ?? {})
    const n = plan.names.length
    const values = this.#values.slice()
    const fresh = this.#fresh
    const before = this.#given
    const dirty = new Uint8Array(n)
    /** @type {unknown[]} */
    const nowGiven = before.slice().fill(NOTHING)
    // The keys given (few) are looked up, not every node's name in them:
    // a name built at run time is hashed afresh by each lookup.
    let numericGiven = true
    for (const key of Object.keys(given)) {
      const i = plan.index.get(key)
      if (i === undefined) throw invalidValue(`inputs.${key}`, 'names no node nor an input of one', given[key])
      const v = given[key]
      nowGiven[i] = v
      values[i] = v
      dirty[i] = fresh[i] && Object.is(before[i], v) ? 0 : 2
      if (!isNumeric(v)) numericGiven = false
    }
    for (let i = plan.nodes; i < n; i++) {
      if (nowGiven[i] !== NOTHING) continue
      const name = plan.names[i]
      // Needed only by nodes this run's inputs override: none of them computes.
      const user = plan.defs.find((d, j) => d?.deps.includes(name) && nowGiven[j] === NOTHING)
      if (user === undefined) continue
      throw codeError(
        Error,
        'ERR_GRAPH_UNKNOWN_DEPENDENCY',
        `Node '${user?.name}' depends on '${name}', which is not a node: add it, or pass it as run({ ${name} }).`,
        { node: user?.name, dependency: name },
      )
    }
    let pendingConst = false
    for (let i = 0; i < plan.nodes; i++) {
      if (nowGiven[i] !== NOTHING) continue
      const def = /** @type {NodeDef} */ (plan.defs[i])
      if (def.kind === 'const') {
        const c = /** @type {NonNullable<NodeDef['constant']>} */ (def.constant)
        if (c.state === 'ok') {
          values[i] = c.value
          dirty[i] = fresh[i] ? 0 : 2
          if (!isNumeric(c.value)) numericGiven = false
        } else {
          dirty[i] = 1
          pendingConst = true
        }
      } else {
        dirty[i] = fresh[i] && before[i] === NOTHING ? 0 : 1
      }
    }
    const generation = ++this.#generation
    // An all-kernel graph on numbers: the native side finds what to recompute itself.
    const allNative = !pendingConst && plan.allKernels && numericGiven
    const active = allNative ? NO_ACTIVE : native.graphAffected(plan.handle, dirty)
    if (!allNative) for (let i = 0; i < n; i++) if (dirty[i] === 2) active[i] = 0
    const run = { generation, plan, values, nowGiven, active }
    if (allNative || (!pendingConst && this.#nativeRun(plan, active, values))) {
      // Kept values are in #nums already (kept in step at each commit); given ones change.
      // The native call copies both arrays, so one scratch array per plan serves every run.
      const nums = plan.scratch
      nums.set(this.#nums)
      for (let i = 0; i < n; i++) if (dirty[i] === 2) nums[i] = Number(values[i])
      const slot = native.graphRunAsync(task, plan.handle, nums, dirty)
      return finishing(slot, (/** @type {[Float64Array, Uint8Array, unknown[]]} */ out) => this.#commitNative(run, out))
    }
    const runner = new Runner(plan, active, values, (v, args) => startNode(/** @type {NodeDef} */ (plan.defs[v]), args, plan.kernel[v] === 1), () => {})
    runs.set(runner, run)
    return runner
  }

  /**
   * Whether the nodes to compute are all kernels fed by numbers (then one native task runs them).
   * @param {Plan} plan
   * @param {Uint8Array} active
   * @param {unknown[]} values
   */
  #nativeRun(plan, active, values) {
    for (let i = 0; i < active.length; i++) {
      if (!active[i]) continue
      if (plan.kernel[i] !== 1) return false
      const opts = plan.defs[i]?.opts
      if (opts !== undefined && Object.keys(opts).length > 0) return false
      for (const d of plan.deps[i]) {
        if (!active[d] && !isNumeric(values[d])) return false
      }
    }
    return true
  }

  /**
   * Takes a native run's results into the graph's state; its value or GraphError.
   * @param {RunState} run
   * @param {[Float64Array, Uint8Array, unknown[]]} out
   */
  #commitNative(run, [nums, kinds, errorPairs]) {
    const { plan, values } = run
    /** @type {Map<number, unknown>} */
    const errors = new Map()
    for (let k = 0; k < errorPairs.length; k += 2) errors.set(/** @type {number} */ (errorPairs[k]), errorPairs[k + 1])
    const roots = [...errors.values()]
    // `kinds` becomes the outcome per node, in place (OK / FAILED / 0 kept).
    const outcome = kinds
    /** @type {number[]} */
    const computed = []
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]
      if (kind === K_KEPT || kind === K_CANCELLED) {
        outcome[i] = 0
      } else if (kind <= 2) {
        values[i] = kind === K_NUMBER ? nums[i] : kind === K_BOOLEAN ? nums[i] !== 0 : undefined
        outcome[i] = OK
        computed.push(i)
      } else if (kind === K_FAILED) {
        outcome[i] = FAILED
        computed.push(i)
      } else if (kind === K_DEP_FAILED) {
        const root = nums[i]
        errors.set(i, dependencyFailed(plan.names[i], plan.names[root], errors.get(root)))
        outcome[i] = FAILED
      }
    }
    return this.#commit(run, values, outcome, errors, roots, computed, nums)
  }

  /**
   * Takes a JS-driven run's results into the graph's state; returns what gives its value.
   * @param {Runner} r
   */
  #commitJs(r) {
    const run = /** @type {RunState} */ (runs.get(r))
    const roots = [...r.errors.entries()].filter(([i]) => !r.roots.has(i)).map(([, e]) => e)
    let result
    try {
      result = { ok: true, value: this.#commit(run, r.values, r.outcome, r.errors, roots, r.started, undefined) }
    } catch (err) {
      result = { ok: false, value: err }
    }
    return () => {
      if (result.ok) return result.value
      throw result.value
    }
  }

  /**
   * @param {RunState} run
   * @param {unknown[]} values
   * @param {Uint8Array} outcome OK / FAILED per node run (else 0: kept)
   * @param {Map<number, unknown>} errors
   * @param {unknown[]} roots
   * @param {number[]} computed
   * @param {Float64Array | undefined} nums
   */
  #commit(run, values, outcome, errors, roots, computed, nums) {
    const { plan } = run
    if (plan === this.#plan && run.generation >= this.#committed) {
      this.#committed = run.generation
      this.#values = values
      this.#given = run.nowGiven
      const fresh = this.#fresh
      for (let i = 0; i < outcome.length; i++) {
        if (outcome[i] === OK) fresh[i] = 1
        else if (outcome[i] === FAILED) fresh[i] = 0
        else if (run.nowGiven[i] !== NOTHING) fresh[i] = 1
      }
      const asNums = nums ?? this.#nums
      if (nums === undefined) for (let i = 0; i < values.length; i++) if (isNumeric(values[i])) asNums[i] = Number(values[i])
      this.#nums = asNums
      this.#computed = { plan, nodes: computed }
    }
    // Every run that ends counts; only the latest started one sets the state
    // (a run that ends after a later one started is not committed).
    this.#runs++
    if (errors.size === 0) {
      // Resolving the handle with an object whose `then` is a function would call it.
      if (plan.thenIndex >= 0 && typeof values[plan.thenIndex] === 'function') {
        throw codeError(
          TypeError,
          'ERR_INVALID_ARG_VALUE',
          "Node 'then' has a function value, which would make the run's results a thenable (awaiting them calls it): rename the node.",
          { node: 'then' },
        )
      }
      return plan.results(values)
    }
    /** @type {Record<string, unknown>} */
    const results = {}
    /** @type {Record<string, unknown>} */
    const failed = {}
    for (let i = 0; i < plan.nodes; i++) {
      if (outcome[i] === FAILED) setKey(failed, plan.names[i], errors.get(i))
      else setKey(results, plan.names[i], values[i])
    }
    throw new GraphError(roots, results, failed)
  }

  /**
   * What the last run did: `runs` so far, and the nodes it `computed` (the others kept their values).
   */
  stats() {
    const { plan, nodes } = this.#computed
    const computed = plan === undefined ? [] : nodes.filter((i) => i < plan.nodes).map((i) => plan.names[i])
    return { runs: this.#runs, computed, nodes: this.#defs.size }
  }

  get [Symbol.toStringTag]() {
    return 'Graph'
  }
}

/**
 * Starts one node of a JS-driven run: a kernel on numbers as a spawn
 * kernel, an op on a number or an array natively, a function on workers, a
 * constant by awaiting it.
 * @param {NodeDef} def
 * @param {unknown[]} args
 * @param {boolean} kernel it compiled as a kernel
 * @returns {PromiseLike<unknown>}
 */
function startNode(def, args, kernel) {
  if (def.kind === 'const') return Promise.resolve(def.fn)
  if (def.kind === 'op') {
    const x = args[0]
    if (isNumeric(x)) return spawn(`(x) => Math.${def.fn}(x)`, [Number(x)], def.opts)
    return parallelMap(x, def.fn, def.opts)
  }
  if (kernel && def.opts?.engine !== 'worker' && args.every(isNumeric)) {
    return spawn(def.fn, args.map(Number), def.opts)
  }
  return spawn(def.fn, args, { ...def.opts, engine: 'worker' })
}

/** @param {unknown} v */
function isNumeric(v) {
  return typeof v === 'number' || typeof v === 'boolean'
}

/** @param {unknown} v @returns {v is PromiseLike<unknown>} */
function isThenable(v) {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (/** @type {any} */ (v).then) === 'function'
}

/** @param {unknown} deps */
function checkDeps(deps) {
  if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string' && d !== '')) {
    throw invalidType('options.deps', 'an array of node names', deps)
  }
  return /** @type {string[]} */ ([...deps])
}

/**
 * The error for a cycle, naming it: `a -> b -> a` (each node an input of the next).
 * @param {string[]} path
 */
function cycleError(path) {
  return codeError(Error, 'ERR_GRAPH_CYCLE', `The graph has a cycle: ${path.join(' -> ')} (each node is an input of the next).`, {
    cycle: path,
  })
}

/** Most nodes a generated results literal names (beyond, V8 makes a dictionary object either way). */
const LITERAL_MAX = 1000

/**
 * What builds a run's results object from the values array: for up to
 * LITERAL_MAX names a function returning one object literal, generated once
 * per plan (names quoted by JSON.stringify), which V8 creates from a
 * boilerplate in one step: ~25x faster than adding 100 properties one by
 * one (measured). Else, and for '__proto__' (a literal would set the
 * prototype), a loop.
 * @param {string[]} names
 * @returns {(values: unknown[]) => Record<string, unknown>}
 */
function resultsMaker(names) {
  if (names.length <= LITERAL_MAX && !names.includes('__proto__')) {
    const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(',\n')
    // oxlint-disable-next-line typescript/no-implied-eval -- the source is built from JSON-quoted names only
    const make = /** @type {(values: unknown[]) => Record<string, unknown>} */ (new Function('v', `return {\n${fields}\n}`))
    // Made once with non-numbers first, the literal's fields hold any value
    // as it is: otherwise V8 gives all-number fields a double representation
    // and allocates a fresh box per field of every results object (100
    // fields: ~1.3 µs a run, ~0.1 µs so; measured in isolation).
    make(names.map(() => null))
    return make
  }
  return (values) => {
    /** @type {Record<string, unknown>} */
    const results = {}
    for (let i = 0; i < names.length; i++) setKey(results, names[i], values[i])
    return results
  }
}

/**
 * `obj[key] = value` as an own data property, '__proto__' included (an
 * assignment would call the prototype setter instead).
 * @param {Record<string, unknown>} obj
 * @param {string} key
 * @param {unknown} value
 */
function setKey(obj, key, value) {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
  else obj[key] = value
}

/** A JS-driven run's value before its runner is done (never read: the task settles after). */
function noValue() {
  return undefined
}

/** A new, empty graph. */
function graph() {
  return new Graph()
}

module.exports = { graph, Graph, GraphError }
