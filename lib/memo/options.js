'use strict'
// Reading Memo and memoize options: each property read once, a throwing
// getter or a wrong type reported with a Node-style code.

const { codeError } = require('../errors.js')
const { option } = require('../options.js')

/**
 * Checks that `opts` is an options object (undefined/null: none).
 * @param {unknown} opts
 * @param {string} name
 * @returns {opts is object}
 */
function optionsObject(opts, name) {
  if (opts === undefined || opts === null) return false
  if (typeof opts !== 'object') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type object.`)
  return true
}

/**
 * The `ttl` of a `set` options argument (checked to be a number).
 * @param {unknown} opts
 * @returns {number | undefined}
 */
function ttlOf(opts) {
  if (!optionsObject(opts, 'options')) return undefined
  const ttl = option(opts, 'ttl', 'options')
  if (ttl !== undefined && typeof ttl !== 'number') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.ttl" property must be of type number.')
  }
  return ttl
}

/**
 * A plain copy of the cache options (each read once, errors coded).
 * @param {unknown} opts
 * @param {readonly string[]} keys
 * @returns {Record<string, unknown> | undefined}
 */
function cacheOptions(opts, keys) {
  if (!optionsObject(opts, 'options')) return undefined
  /** @type {Record<string, unknown>} */
  const plain = {}
  for (const k of keys) plain[k] = option(opts, k, 'options')
  return plain
}

module.exports = { option, optionsObject, ttlOf, cacheOptions }
