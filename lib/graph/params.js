'use strict'
// A function's parameter names: the default dependencies of a graph node.
// The native `inspectFunction` (oxc) gives them when the addon has it;
// else a small scanner of the parameter list reads simple forms.

const native = require('../load.js').binding
const { codeError } = require('../errors.js')

/**
 * The names of `fn`'s parameters, in order.
 * @param {Function} fn
 * @param {string} node the node's name, for errors
 * @returns {string[]}
 */
function paramNames(fn, node) {
  const source = Function.prototype.toString.call(fn)
  const inspect = /** @type {{ inspectFunction?: (s: string) => { params: unknown[] } }} */ (/** @type {unknown} */ (native)).inspectFunction
  if (typeof inspect === 'function') {
    const info = inspect(source)
    return checkNames(info.params, node)
  }
  return checkNames(scanParams(source), node)
}

/**
 * Only plain identifiers can name nodes (a destructured or rest parameter cannot).
 * @param {unknown[]} names
 * @param {string} node
 */
function checkNames(names, node) {
  for (const name of names) {
    if (typeof name !== 'string' || !/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name)) {
      throw codeError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `The function of node '${node}' has a parameter (${String(name)}) that does not name a node: pass options.deps.`,
      )
    }
  }
  return /** @type {string[]} */ (names)
}

/**
 * The parameter list of an arrow or function source, split at top-level
 * commas, each entry's name (the part before a default). Destructured and
 * rest parameters come back as written, so `checkNames` rejects them.
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

module.exports = { paramNames, scanParams }
