'use strict'
// Functions sent to workers, main side: each function object gets a record
// (once, kept in a WeakMap): its source, what inspectFunction says of it,
// and the file that called the API (the worker resolves `require` and
// `import()` from there). Per set of `context` names the record gets an fn
// id (the same source, file and names → the same id) and a verdict of the
// free-variable check: a captured outer variable is a TypeError
// ERR_CAPTURED_VARIABLE naming it, at the call, not a ReferenceError later
// in a worker.

const path = require('node:path')
const { fileURLToPath } = require('node:url')
const native = require('../load.js').binding
const { codeError, invalidType } = require('../errors.js')

/**
 * What `inspectFunction` returns (see binding.d.ts once built).
 * @typedef {{ kind: string, async: boolean, generator: boolean, params: (string | null)[],
 *   free: { name: string, line: number, column: number }[], imports: number[], usesThis: boolean }} Inspection
 */
const inspectFunction = /** @type {((source: string) => Inspection) | undefined} */ (
  /** @type {any} */ (native).inspectFunction
)

/** Names a worker function may use besides the globals: its module scope's. */
const MODULE_NAMES = new Set(['require', 'module', 'exports', '__filename', '__dirname', 'arguments'])

/** This package's own files, skipped when looking for the calling file. */
const PACKAGE_DIR = path.resolve(__dirname, '..', '..')
const OWN = [path.join(PACKAGE_DIR, 'lib') + path.sep, path.join(PACKAGE_DIR, 'index.js'), path.join(PACKAGE_DIR, 'index.mjs')]

/**
 * @typedef {{ entry: import('./compile.js').FnEntry, violation: { name: string, line: number, column: number } | null }} Prepared
 * @typedef {{ source: string, file: string, info: Inspection | undefined,
 *   prepared: Map<string, Prepared>, plain: Prepared | undefined }} FnRecord
 */

/** @type {WeakMap<Function, FnRecord>} */
const records = new WeakMap()

/** fn ids by `source \0 file \0 names`; bounded (the oldest key is dropped: its id is just not reused). */
/** @type {Map<string, number>} */
const idsByKey = new Map()
const MAX_IDS = 4096
let nextFnId = 1

/**
 * The file that called into this package, from the current stack: a path,
 * a file: URL as a path, or a made-up path in the current directory (REPL, eval).
 */
function callerFile() {
  const prepareStack = Error.prepareStackTrace
  const limit = Error.stackTraceLimit
  /** @type {NodeJS.CallSite[]} */
  let sites = []
  try {
    Error.stackTraceLimit = 50
    Error.prepareStackTrace = (_e, s) => s
    const holder = /** @type {{ stack?: any }} */ ({})
    Error.captureStackTrace(holder, callerFile)
    sites = holder.stack ?? []
  } finally {
    Error.prepareStackTrace = prepareStack
    Error.stackTraceLimit = limit
  }
  for (const site of sites) {
    let file = site.getFileName?.() ?? undefined
    if (file === undefined || file === null) continue
    if (file.startsWith('node:') || file.startsWith('internal')) continue
    if (file.startsWith('file:')) {
      try {
        file = fileURLToPath(file)
      } catch {
        continue
      }
    }
    if (!path.isAbsolute(file)) continue
    if (OWN.some((own) => file === own || file.startsWith(own))) continue
    return file
  }
  return path.join(process.cwd(), '[worker function]')
}

/**
 * Without the native inspectFunction (an addon built before it): the kind
 * from the source's start and the `import(` offsets by a regular expression
 * (which may also match inside strings); no free-variable check.
 * @param {string} source
 * @returns {Inspection}
 */
function guessed(source) {
  let kind = 'method'
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) kind = 'native'
  else if (/^class\b/.test(source)) kind = 'class'
  else if (/^(async\s+)?function\b/.test(source)) kind = 'function'
  else if (/^(async\s*)?(\(|[\p{ID_Start}$_][\p{ID_Continue}$]*\s*=>)/u.test(source)) kind = 'arrow'
  /** @type {number[]} */
  const imports = []
  for (const m of source.matchAll(/\bimport\s*\(/g)) imports.push(/** @type {number} */ (m.index))
  return { kind, async: false, generator: false, params: [], free: [], imports, usesThis: false }
}

/**
 * The record of `fn` (made on first use; the caller file is taken from the
 * stack then). Throws for what cannot be sent: not a function, a class, a
 * bound or native function.
 * @param {unknown} fn
 * @param {string} what the argument's name, for errors
 * @returns {FnRecord}
 */
function recordOf(fn, what = 'fn') {
  if (typeof fn !== 'function') throw invalidType(what, 'a function', fn)
  const known = records.get(fn)
  if (known !== undefined) return known
  const source = Function.prototype.toString.call(fn)
  /** @type {Inspection | undefined} */
  let info
  if (inspectFunction !== undefined) {
    info = inspectFunction(source)
  } else {
    info = guessed(source)
  }
  const kind = info?.kind
  if (kind === 'native' || kind === 'bound') {
    throw codeError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The "${what}" argument must be a function with source to send to a worker: ${fn.name || 'it'} is a ${kind === 'bound' ? 'bound' : 'built-in'} function (wrap it: (...a) => f(...a)).`,
    )
  }
  if (kind === 'class') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "${what}" argument must be a function, not a class (${fn.name || 'anonymous'}).`)
  }
  /** @type {FnRecord} */
  const rec = { source, file: callerFile(), info, prepared: new Map(), plain: undefined }
  records.set(fn, rec)
  return rec
}

/**
 * The first free variable of `rec` that a worker cannot resolve, or null.
 * @param {FnRecord} rec
 * @param {string[]} names the context's names
 */
function capturedVariable(rec, names) {
  for (const v of rec.info?.free ?? []) {
    const name = v.name
    if (name in globalThis || MODULE_NAMES.has(name) || names.includes(name)) continue
    return v
  }
  return null
}

/**
 * The TypeError ERR_CAPTURED_VARIABLE for `v`.
 * @param {{ name: string, line: number, column: number }} v
 * @param {string} what
 */
function capturedError(v, what) {
  const name = v.name
  return codeError(
    TypeError,
    'ERR_CAPTURED_VARIABLE',
    `The "${what}" function reads the outer variable "${name}" (line ${v.line}, column ${v.column} of its source), which does not exist in a worker: it runs in another isolate. ` +
      `Pass the value in options.context ({ context: { ${name} } }) or as an argument.`,
    { variable: name, line: v.line, column: v.column },
  )
}

/**
 * The fn id of `rec` with context names `key` (the same source, file and
 * names share one id, so each worker compiles it once).
 * @param {FnRecord} rec
 * @param {string} key `names.join(',')`
 */
function fnIdOf(rec, key) {
  const full = `${rec.source}\0${rec.file}\0${key}`
  let id = idsByKey.get(full)
  if (id === undefined) {
    id = nextFnId++
    if (idsByKey.size >= MAX_IDS) idsByKey.delete(/** @type {string} */ (idsByKey.keys().next().value))
    idsByKey.set(full, id)
  }
  return id
}

/**
 * What a call of `rec` with context `names` sends (cached per names): its
 * fn entry (see compile.js FnEntry), or the captured variable that forbids it.
 * @param {FnRecord} rec
 * @param {string[]} names
 */
function preparedOf(rec, names) {
  const key = names.join(',')
  const known = rec.prepared.get(key)
  if (known !== undefined) return known
  const violation = capturedVariable(rec, names)
  /** @type {Prepared} */
  const p = {
    entry: [fnIdOf(rec, key), rec.source, rec.file, names, rec.info?.imports ?? [], rec.info?.kind ?? 'function', rec.info?.params.length ?? 0],
    violation,
  }
  rec.prepared.set(key, p)
  return p
}

/**
 * Everything a call needs about `fn` with `context`: its fn entry and the
 * context's values (null without a context). Throws ERR_CAPTURED_VARIABLE
 * and the argument errors.
 * @param {unknown} fn
 * @param {unknown} context the `context` option
 * @param {string} what
 * @returns {{ entry: import('./compile.js').FnEntry, ctx: unknown[] | null }}
 */
function prepare(fn, context, what = 'fn') {
  const rec = recordOf(fn, what)
  if (context === undefined || context === null) {
    const p = rec.plain ?? (rec.plain = preparedOf(rec, []))
    if (p.violation !== null) throw capturedError(p.violation, what)
    return { entry: p.entry, ctx: null }
  }
  if (typeof context !== 'object') throw invalidType('options.context', 'of type object', context)
  const names = Object.keys(context)
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "options.context" argument has a key that is not an identifier: '${name}'.`)
    }
  }
  const p = preparedOf(rec, names)
  if (p.violation !== null) throw capturedError(p.violation, what)
  const ctx = names.map((name) => /** @type {Record<string, unknown>} */ (context)[name])
  return { entry: p.entry, ctx }
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u

module.exports = { prepare, recordOf, callerFile }
