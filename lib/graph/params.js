'use strict'
// A function's parameter names: the default dependencies of a graph node.
// The native `inspectFunction` (oxc) gives them when the addon has it;
// else a small scanner of the parameter list reads simple forms.

const native = require('../load.js').binding
const { codeError } = require('../errors.js')

/**
 * The names of `fn`'s parameters, in order. A destructured or rest
 * parameter names no node: the node then needs `options.deps`.
 * @param {Function} fn
 * @param {string} node the node's name, for errors
 * @returns {string[]}
 */
function paramNames(fn, node) {
  const source = Function.prototype.toString.call(fn)
  // The fallback scanner keeps a rest parameter's `...`; the native inspection gives its bare name.
  const scanned = scanParams(source)
  const rest = scanned.find((p) => p.startsWith('...'))
  if (rest !== undefined) throw noNames(node, `has a rest parameter (${rest}) that does not name one node`)
  const inspect = /** @type {{ inspectFunction?: (s: string) => { params: unknown[] } }} */ (/** @type {unknown} */ (native)).inspectFunction
  const names = typeof inspect === 'function' ? inspect(source).params : scanned
  for (const name of names) {
    if (typeof name !== 'string' || !/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name)) {
      const what = typeof name === 'string' ? `a parameter (${name})` : 'a destructuring parameter'
      throw noNames(node, `has ${what} that does not name a node`)
    }
  }
  return /** @type {string[]} */ (names)
}

/**
 * Whether `fn` is a bound or built-in function (its source is `[native code]`):
 * it has no source to compile or to send to a worker.
 * @param {Function} fn
 */
function isNative(fn) {
  return /^[^{]*\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn))
}

/**
 * @param {string} node
 * @param {string} why what the function is, after "The function of node 'x'"
 */
function noNames(node, why) {
  return codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The function of node '${node}' ${why}: pass options.deps.`)
}

/**
 * The parameter list of an arrow or function source, split at top-level
 * commas, each entry's name (the part before a default). Destructured and
 * rest parameters come back as written, so `paramNames` rejects them.
 * @param {string} source
 * @returns {string[]}
 */
function scanParams(source) {
  let s = source.trim().replace(/^async\s+/, '')
  const open = s.indexOf('(')
  const arrow = s.indexOf('=>')
  if (arrow >= 0 && (open < 0 || open > arrow)) return [s.slice(0, arrow).trim()] // `x => …`
  if (open < 0) return []
  s = s.slice(open + 1)
  /** @type {string[]} */
  const names = []
  let depth = 0
  let start = 0
  let end = -1
  for (let i = 0; i < s.length && end < 0; i++) {
    const c = s[i]
    if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' && depth === 0) end = i
    else if (c === ')' || c === ']' || c === '}') depth--
    else if (c === ',' && depth === 0) {
      names.push(s.slice(start, i))
      start = i + 1
    }
  }
  if (end < 0) return []
  names.push(s.slice(start, end))
  return names
    .map((p) => p.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim())
    .filter((p) => p !== '')
    .map((p) => (p.startsWith('{') || p.startsWith('[') || p.startsWith('...') ? p : p.split('=')[0].trim()))
}

module.exports = { paramNames, scanParams, isNative }
