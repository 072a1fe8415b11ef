'use strict'
// The batch layout shared by dispatch.js (main thread) and worker.js: a
// batch's value is `[fnTable, flat]`, where `flat` holds each entry as
// `kind, taskId, fnIndex (into fnTable), ctx (values | null), n, ...n values`.
// A flat array of numbers and values serializes several times faster than
// one small array per task.

/** `n` arguments: the result is `fn(...args)`. */
const KIND_CALL = 0
/** n = 2: `items, start`: the result is `[start, items.map((x, j) => fn(x, start + j))]`. */
const KIND_MAP = 1
/** n = 1: an encoded error the task fails with (its arguments could not be cloned). */
const KIND_ERROR = 2
/**
 * n = 1: `items`: `fn(item)` for each item in order (mapStream's chunks),
 * stopping at the first that throws or rejects; the result is
 * `[values, errorAt, error, ms]`: the values of items `0 .. errorAt - 1`
 * (all of them when `errorAt` is -1), the encoded error of item `errorAt`,
 * and the milliseconds the chunk took on the worker.
 */
const KIND_EACH = 3

module.exports = { KIND_CALL, KIND_MAP, KIND_ERROR, KIND_EACH }
