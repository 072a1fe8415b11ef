/**
 * A small benchmark harness shared by every file in benchmark/.
 *
 * Each contender runs once per round; the order rotates every round so that
 * no contender always runs first (warm caches, turbo clocks). We report the
 * median and the minimum of the rounds, and each contender's median as a
 * ratio of the baseline (the first contender): `> 1` means faster than the baseline.
 * `settleMs` idles before every timed run.
 */
import { performance } from 'node:perf_hooks'

export interface Contender {
  /** Label printed in the table. */
  name: string
  /** One run of the measured work. May return a Promise. */
  run: () => unknown
}

export interface Row {
  name: string
  medianMs: number
  minMs: number
  /** baseline median / this median: above 1 is faster than the baseline. */
  speedup: number
  /** Optional extra column, e.g. GB/s or ns per item. */
  [extra: string]: string | number
}

export interface CompareOptions {
  /** Rounds per contender (default 7). */
  rounds?: number
  /** Untimed warm-up runs per contender (default 1). */
  warmup?: number
  /** Called with each contender's first result; throw if they disagree. */
  check?: (results: unknown[]) => void
  /**
   * Idle time before each timed run, so that background threads left busy
   * by the previous contender (worker pools, runtimes) quiesce (default 0).
   */
  settleMs?: number
  /** Adds extra columns computed from a contender's median in ms. */
  extra?: (medianMs: number) => Record<string, string | number>
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Runs the contenders interleaved and prints a table; returns its rows. */
export async function compare(title: string, contenders: Contender[], opts: CompareOptions = {}): Promise<Row[]> {
  const rounds = opts.rounds ?? 7
  const warmup = opts.warmup ?? 1
  const first: unknown[] = []
  for (const c of contenders) {
    first.push(await c.run())
    for (let i = 1; i < warmup; i++) await c.run()
  }
  opts.check?.(first)
  const times: number[][] = contenders.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const idx = (k + r) % contenders.length
      if (opts.settleMs) await new Promise((resolve) => setTimeout(resolve, opts.settleMs))
      const t0 = performance.now()
      await contenders[idx].run()
      times[idx].push(performance.now() - t0)
    }
  }
  const base = median(times[0])
  const rows: Row[] = contenders.map((c, i) => {
    const med = median(times[i])
    return {
      name: c.name,
      medianMs: +med.toFixed(3),
      minMs: +Math.min(...times[i]).toFixed(3),
      speedup: +(base / med).toFixed(2),
      ...(opts.extra ? opts.extra(med) : {}),
    }
  })
  console.log(`\n## ${title} (${rounds} rounds, median)`)
  console.table(rows)
  return rows
}
