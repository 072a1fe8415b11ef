'use strict'
// Reading options arguments, shared by every capability's JS: one property
// read that turns a throwing getter into a coded error, and the refusal of
// task options (signal, timeout, pool) by the synchronous twins.

const { codeError, messageOf } = require('./errors.js')

/**
 * Reads `opts[key]` of an options argument; a throwing getter or Proxy trap
 * becomes a TypeError `ERR_INVALID_ARG_VALUE` naming the option (the
 * original error as its `cause`).
 * @param {object} opts
 * @param {string} key
 * @param {string} name the argument's name, for messages
 * @returns {unknown}
 */
function option(opts, key, name) {
  try {
    return /** @type {Record<string, unknown>} */ (opts)[key]
  } catch (e) {
    const err = codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "${name}.${key}" property could not be read: ${messageOf(e)}`)
    err.cause = e
    throw err
  }
}

/**
 * The TaskOptions a sync call cannot honour (`signal`, `timeout`, `pool`):
 * each is a TypeError `ERR_INVALID_ARG_VALUE` that points at the async twin,
 * never silently ignored. An options object that is not an object is left
 * to the native reader.
 * @param {unknown} opts
 * @param {string} sync the sync function's name
 * @param {string} async its async twin's call, for the message: `parallelMap(input, fn, …)`
 */
function refuseTaskOptions(opts, sync, async) {
  if (opts === undefined || opts === null || typeof opts !== 'object') return
  const why = {
    signal: 'a synchronous call cannot be cancelled',
    timeout: 'a synchronous call cannot be cancelled, so it cannot time out',
    pool: 'a synchronous call runs on the default pool',
  }
  for (const key of /** @type {const} */ (['signal', 'timeout', 'pool'])) {
    const value = option(opts, key, 'options')
    if (value === undefined || value === null) continue
    throw codeError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The "options.${key}" option cannot be used with ${sync}: ${why[key]}. Use ${async.replace('…', `{ ${key} }`)}, which returns a TaskHandle.`,
    )
  }
}

module.exports = { option, refuseTaskOptions }
