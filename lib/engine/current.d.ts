/**
 * The AbortSignal of the task this engine worker is running: it aborts when
 * the task is cancelled (`cancel()`, its `signal`) or times out, so a
 * long-running function can stop cooperatively before its worker is
 * terminated. Call it synchronously in the function (an async function:
 * before its first `await`), e.g. `require('napi-parallel').taskSignal()`.
 * Returns undefined outside a worker task (on the main thread, or in a
 * native kernel).
 */
export declare function taskSignal(): AbortSignal | undefined
/** @internal The running task's id (0: none) and how to make its signal; set by the worker loop. */
export declare const current: { running: number; signalOf: ((id: number) => AbortSignal) | undefined }
