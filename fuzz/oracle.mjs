// The oracle every fuzz case reports through. A violation is printed as one
// `FUZZ-VIOLATION {json}` line on stdout and makes the child exit 1; the
// parent (fuzz/runner.mjs) also treats a signal, a non-zero exit or a
// timeout as a failure. Before each call a case logs a `FUZZ-STEP` line on
// stderr (synchronous on a pipe), so a crash names the step that caused it.

/** The error our hostile values throw (from traps and getters); propagating it unchanged is allowed. */
export class FuzzTrap extends Error {
  constructor(where) {
    super(`fuzz trap: ${where}`)
    this.name = 'FuzzTrap'
    this.code = 'ERR_FUZZ_TRAP'
  }
}

let violations = 0
let currentStep = ''
const perKind = new Map()
const PRINT_PER_KIND = 3

/** Records which step runs now (printed on stderr before the call is made). */
export function step(text) {
  currentStep = text
  process.stderr.write(`FUZZ-STEP ${text}\n`)
}

/** Reports a broken promise of the contract; the child will exit 1. */
export function violation(kind, detail) {
  violations++
  process.exitCode = 1
  const seen = (perKind.get(kind) ?? 0) + 1
  perKind.set(kind, seen)
  if (seen > PRINT_PER_KIND) return // the first few of each kind are enough; the total is printed at the end
  const record = { kind, step: currentStep, ...detail }
  process.stdout.write(`FUZZ-VIOLATION ${JSON.stringify(record, replacer)}\n`)
}

/** Number of violations reported so far, and per kind. */
export function violationCount() {
  return `${violations}${perKind.size ? ` ${JSON.stringify(Object.fromEntries(perKind))}` : ''}`
}

function replacer(_key, value) {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (typeof value === 'string' && value.length > 300) return `${value.slice(0, 300)}…(${value.length})`
  return value
}

/** A short description of an error (or any thrown value) for a report. */
export function describeError(err) {
  if (err instanceof Error) {
    return { name: err.name, code: err.code, message: String(err.message).slice(0, 300) }
  }
  return { thrown: typeof err, value: safeString(err) }
}

function safeString(v) {
  try {
    return String(v).slice(0, 200)
  } catch {
    return `<${typeof v}>`
  }
}

// Node's argument error codes and the constructor each must use.
const CODE_CLASS = {
  ERR_INVALID_ARG_TYPE: TypeError,
  ERR_OUT_OF_RANGE: RangeError,
  ERR_MISSING_ARGS: TypeError,
}

/**
 * Whether `err` is an acceptable failure: our own trap propagated as is, or
 * an Error with a non-empty string `code` and message (argument errors of
 * the right class), or a DataCloneError DOMException (what structured clone
 * throws for a value it cannot send). `allowed`, when given, is the set of codes allowed here.
 * Returns null when fine, else the reason.
 */
export function badError(err, allowed) {
  if (err instanceof FuzzTrap || allowed === 'any') return null
  if (!(err instanceof Error)) return 'a non-Error was thrown'
  // Structured clone's own error, as structuredClone and postMessage throw it
  // (a DOMException: its `code` is the spec's number 25, not a string).
  if (err instanceof DOMException && err.name === 'DataCloneError' && err.message !== '') return null
  if (typeof err.code !== 'string' || err.code === '') return 'an Error without a string code'
  if (/^[A-Z][a-z]/.test(err.code)) return `a code that is not Node-style (${err.code})`
  if (typeof err.message !== 'string' || err.message === '') return 'an Error without a message'
  const cls = CODE_CLASS[err.code]
  if (cls && !(err instanceof cls)) return `${err.code} is not a ${cls.name}`
  if (err.code === 'ERR_INVALID_ARG_VALUE' && !(err instanceof TypeError || err instanceof RangeError)) {
    return 'ERR_INVALID_ARG_VALUE is neither a TypeError nor a RangeError'
  }
  if (allowed && !allowed.has(err.code)) return `unexpected code ${err.code}`
  return null
}

/** Calls a synchronous export: it returns or throws an acceptable error. */
export function callSync(name, fn, allowed) {
  try {
    return { ok: true, value: fn() }
  } catch (err) {
    const why = badError(err, allowed)
    if (why) violation('bad-error', { call: name, why, error: describeError(err) })
    return { ok: false, error: err }
  }
}

/**
 * Calls an async export: it must not throw synchronously, must return a
 * thenable, and that must settle with a value or an acceptable error.
 * Resolves to `{ ok, value | error }` (or `{ ok: false, hung: true }` after `ms`).
 */
export async function callAsync(name, fn, allowed, ms = 20000) {
  let handle
  try {
    handle = fn()
  } catch (err) {
    violation('sync-throw', { call: name, error: describeError(err) })
    return { ok: false, error: err }
  }
  if (handle === null || (typeof handle !== 'object' && typeof handle !== 'function') || typeof handle.then !== 'function') {
    violation('not-thenable', { call: name, got: typeof handle })
    return { ok: false }
  }
  let timer
  const hung = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, hung: true }), ms)
  })
  const settled = Promise.resolve(handle).then(
    (value) => ({ ok: true, value }),
    (error) => {
      const why = badError(error, allowed)
      if (why) violation('bad-rejection', { call: name, why, error: describeError(error) })
      return { ok: false, error }
    },
  )
  const out = await Promise.race([settled, hung])
  clearTimeout(timer)
  if (out.hung) violation('never-settled', { call: name, ms })
  return out
}

/** Installs the process-wide guards: an unhandled rejection or uncaught exception is a violation. */
export function installGuards() {
  process.on('unhandledRejection', (reason) => {
    violation('unhandled-rejection', { error: describeError(reason) })
  })
  process.on('uncaughtException', (err) => {
    violation('uncaught-exception', { error: describeError(err) })
  })
}
