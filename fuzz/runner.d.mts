// Typings of fuzz/runner.mjs for __test__/fuzz.spec.ts.

/** How one fuzz case (a child process) ended. */
export interface Outcome {
  kind: string
  seed: string | number
  /** ok, crash (signal or abort-like status), hang (killed at the deadline), violation (exit 1) or error. */
  verdict: 'ok' | 'crash' | 'hang' | 'violation' | 'error'
  status: number | null
  signal: NodeJS.Signals | null
  ms: number
  lastStep: string
  violations: string[]
  stderrTail: string
  /** Panic and abort lines the native side printed. */
  natives: string[]
  repro: string
  stepRepro: string | null
}

/** Options of one case run. */
export interface RunOptions {
  steps?: number
  scale?: number | string
  timeoutMs?: number
  env?: Record<string, string>
}

/** Runs `node fuzz/driver.mjs kind seed` in a child process and classifies how it ended. */
export declare function runCase(kind: string, seed: string | number, options?: RunOptions): Promise<Outcome>
/** The command line that replays a case. */
export declare function reproLine(kind: string, seed: string | number, extra?: string[]): string
/** A short report of an outcome (seed, verdict, last step, repro). */
export declare function describeOutcome(o: Outcome): string
