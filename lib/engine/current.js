'use strict'
// The task an engine worker is running now, for `taskSignal()`. The worker
// loop (lib/engine/worker.js) sets `running` around each call of a task's
// function and installs how to make a task's signal; everywhere else
// `taskSignal()` returns undefined.

/** @type {{ running: number, signalOf: ((id: number) => AbortSignal) | undefined }} */
const current = { running: 0, signalOf: undefined }

/**
 * The AbortSignal of the task this engine worker is running: it aborts when
 * the task is cancelled (`cancel()`, its `signal`) or times out, so a
 * long-running function can stop cooperatively before its worker is
 * terminated. Call it synchronously in the function (an async function: before
 * its first `await`). Returns undefined outside a worker task (on the main
 * thread, or in a native kernel).
 * @returns {AbortSignal | undefined}
 */
function taskSignal() {
  const { running, signalOf } = current
  return running === 0 || signalOf === undefined ? undefined : signalOf(running)
}

module.exports = { current, taskSignal }
