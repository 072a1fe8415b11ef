'use strict'
// parallelMap / parallelMapSync / spawn. The hash ops over string/Buffer
// items are routed here by the foundation; kernels are added by the map module.

const native = require('../binding.js')
const { runTask, failedHandle } = require('./task.js')

const HASHES = new Set(['xxh3', 'sha256', 'crc32'])

function isHashCall(input, fn) {
  return typeof fn === 'string' && HASHES.has(fn) && Array.isArray(input)
}

/** Maps `fn` over `input` on every core; returns a TaskHandle of the output. */
function parallelMap(input, fn, opts) {
  if (isHashCall(input, fn)) return runTask(opts, (task) => native.hashAsync(task, input, fn))
  return runTask(opts, () => {
    throw notSupported(fn)
  })
}

/** The blocking twin of parallelMap. */
function parallelMapSync(input, fn, opts) {
  if (isHashCall(input, fn)) return native.hashSync(input, fn)
  throw notSupported(fn)
}

function notSupported(fn) {
  const err = new TypeError(`parallelMap: unsupported function ${typeof fn === 'string' ? `'${fn}'` : typeof fn}`)
  err.code = 'ERR_INVALID_ARG_VALUE'
  return err
}

module.exports = { parallelMap, parallelMapSync, isHashCall, failedHandle }
