// Every fuzz case kind, by name (see fuzz/driver.mjs), and the wall-clock
// limit of one case (its child process) in the long run.
import { closeRaceCase } from './close-race.mjs'
import { engineFnCase } from './engine-fn.mjs'
import { graphCase } from './graph.mjs'
import { inspectCase } from './inspect.mjs'
import { kernelCase } from './kernel.mjs'
import { kernelCornersCase } from './kernel-corners.mjs'
import { memoCase } from './memo.mjs'
import { nativeCase } from './native.mjs'
import { optionsCase } from './options.mjs'
import { reduceCase } from './reduce.mjs'
import { wireCase } from './wire.mjs'
import { workerTermCase } from './worker-term.mjs'

/** The case kinds the driver and runner know. */
export const CASES = {
  [kernelCase.name]: kernelCase,
  [kernelCornersCase.name]: kernelCornersCase,
  [optionsCase.name]: optionsCase,
  [nativeCase.name]: nativeCase,
  [memoCase.name]: memoCase,
  [closeRaceCase.name]: closeRaceCase,
  [workerTermCase.name]: workerTermCase,
  [reduceCase.name]: reduceCase,
  [inspectCase.name]: inspectCase,
  [graphCase.name]: graphCase,
  [engineFnCase.name]: engineFnCase,
  [wireCase.name]: wireCase,
}

/** Milliseconds one case may run before it counts as a hang. */
export const TIMEOUTS = {
  kernel: 120000,
  'kernel-corners': 180000,
  options: 60000,
  native: 60000,
  memo: 60000,
  'close-race': 90000,
  'worker-term': 90000,
  reduce: 120000,
  inspect: 120000,
  graph: 120000,
  'engine-fn': 60000,
  wire: 90000,
}
