'use strict'
// Worker side: turns a function's source (as the main thread shipped it)
// into a callable, once per fn id. The code runs as if in the calling file:
// `require` is createRequire(that file), `__filename`/`__dirname` are its,
// and each `import(` (located by the main thread's inspectFunction) is
// rewritten to a loader that resolves the specifier from that file. The
// `context` names become parameters of a factory that returns the function.
// A batch names most functions by fn id only: the source is fetched once
// from the engine's native function table (engineFunction, see dispatch.js).

const { createRequire } = require('node:module')
const path = require('node:path')
const { pathToFileURL, fileURLToPath } = require('node:url')
const vm = require('node:vm')

/** How many compiled functions a worker keeps (oldest dropped first; it fetches or is sent the source again). */
const MAX_CACHED = 1024

/**
 * A function as shipped: see functions.js `preparedOf`. A batch carries either
 * this or only its id (defined in the engine's function table).
 * @typedef {[id: number, source: string, file: string, names: string[], imports: number[], kind: string, arity: number]} FnEntry
 * @typedef {FnEntry | number} FnRef
 */

/**
 * The engine's function table, from a worker (binding.d.ts has the exact typing).
 * @typedef {{ engineFunction(engine: number, id: number): string | null }} TableNative
 */

/** @type {Map<number, (...ctx: unknown[]) => Function>} */
const factories = new Map()

/**
 * The path behind a caller file (a path or a file: URL).
 * @param {string} file
 */
function toPath(file) {
  return file.startsWith('file:') ? fileURLToPath(file) : file
}

/**
 * `import(specifier)` as the file `from` would resolve it.
 * @param {string} from
 * @param {NodeJS.Require} req
 */
function importer(from, req) {
  const dir = path.dirname(from)
  /** @param {unknown} specifier @param {unknown} [options] */
  return (specifier, options) => {
    const spec = String(specifier)
    let target = spec
    if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') {
      target = pathToFileURL(path.resolve(dir, spec)).href
    } else if (path.isAbsolute(spec)) {
      target = pathToFileURL(spec).href
    } else if (!spec.startsWith('node:') && !spec.startsWith('file:') && !spec.startsWith('data:')) {
      try {
        const resolved = req.resolve(spec)
        target = path.isAbsolute(resolved) ? pathToFileURL(resolved).href : resolved
      } catch {
        // Not resolvable as CommonJS (an ESM-only export map): let import() try.
      }
    }
    return options === undefined ? import(target) : import(target, /** @type {any} */ (options))
  }
}

/**
 * The source as an expression of the function: a method's source
 * (`name(x) { … }`) becomes the method of an object literal.
 * @param {string} source
 * @param {string} kind from inspectFunction
 */
function asExpression(source, kind) {
  if (kind === 'method') return `Object.values({ ${source}\n})[0]`
  return `(${source}\n)`
}

/**
 * Rewrites each `import` keyword at `offsets` (ascending UTF-16 offsets of `import(`) to the loader's name.
 * @param {string} source
 * @param {number[]} offsets
 */
function rewriteImports(source, offsets) {
  if (offsets.length === 0) return source
  let out = ''
  let from = 0
  for (const at of offsets) {
    if (at < from || !source.startsWith('import', at)) continue
    out += `${source.slice(from, at)}__npImport`
    from = at + 6
  }
  return out + source.slice(from)
}

/**
 * The entry of fn `id`, from the function table of this worker's engine.
 * Throws ERR_POOL_CLOSED when it has none (the engine closed: the table is cleared).
 * @param {number} id
 * @returns {FnEntry}
 */
function fetchEntry(id) {
  const { workerData } = require('node:worker_threads')
  const native = /** @type {TableNative} */ (/** @type {unknown} */ (require('../load.js').binding))
  const spec = native.engineFunction(/** @type {{ engine: number }} */ (workerData).engine, id)
  if (spec === null) {
    const { codeError } = require('../errors.js')
    throw codeError(Error, 'ERR_POOL_CLOSED', 'The worker engine was closed')
  }
  return JSON.parse(spec)
}

/**
 * The factory of fn `ref` (an entry, or an id to fetch): called with the
 * context values (in `names` order), it returns the function. Compiled once per id.
 * @param {FnRef} ref
 */
function factoryOf(ref) {
  const id = typeof ref === 'number' ? ref : ref[0]
  const cached = factories.get(id)
  if (cached !== undefined) return cached
  const entry = typeof ref === 'number' ? fetchEntry(ref) : ref
  const [, source, file, names, imports, kind] = entry
  const filename = toPath(file)
  const req = createRequire(filename)
  const loader = importer(filename, req)
  const params = ['require', 'module', 'exports', '__filename', '__dirname', '__npImport']
  const code =
    `(function (${params.join(', ')}) { return function (${names.join(', ')}) { return ${asExpression(rewriteImports(source, imports), kind)} } })`
  const outer = vm.runInThisContext(code, { filename: `${filename} [worker fn]` })
  const mod = { exports: {}, filename, id: filename, path: path.dirname(filename), require: req }
  const factory = outer(req, mod, mod.exports, filename, path.dirname(filename), loader)
  if (factories.size >= MAX_CACHED) factories.delete(/** @type {number} */ (factories.keys().next().value))
  factories.set(id, factory)
  return factory
}

/** @type {Map<number, Function>} */
const plain = new Map()

/**
 * The function of `ref` (an entry, or its id) for context values `ctx`
 * (null: no context; the function is then made once and kept).
 * @param {FnRef} ref
 * @param {unknown[] | null} ctx
 */
function functionOf(ref, ctx) {
  if (ctx === null) {
    const id = typeof ref === 'number' ? ref : ref[0]
    const made = plain.get(id)
    if (made !== undefined) return made
    const fn = factoryOf(ref)()
    if (plain.size >= MAX_CACHED) plain.delete(/** @type {number} */ (plain.keys().next().value))
    plain.set(id, fn)
    return fn
  }
  return factoryOf(ref)(...ctx)
}

/** How many compiled functions this worker holds (factories, plain functions): for tests. */
function cachedCount() {
  return { factories: factories.size, plain: plain.size }
}

module.exports = { functionOf, factoryOf, rewriteImports, cachedCount, MAX_CACHED }
