#!/usr/bin/env node
// The long fuzz run (`npm run fuzz`): random seeds for every case kind, one
// child process per case, until FUZZ_SECONDS (default 60) have passed.
// `node fuzz/run.mjs [seconds] [--seed S] [--kinds a,b] [--jobs N] [--scale X]`.
// Prints each failure with its seed and a one-line repro; exits 1 if any.

import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'

import { CASES, TIMEOUTS } from './cases/index.mjs'
import { describeOutcome, runCase } from './runner.mjs'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string' },
    kinds: { type: 'string' },
    jobs: { type: 'string' },
    scale: { type: 'string' },
  },
})
const seconds = Number(positionals[0] ?? process.env.FUZZ_SECONDS ?? 60)
const kinds = (values.kinds ?? process.env.FUZZ_KINDS ?? Object.keys(CASES).join(',')).split(',')
for (const k of kinds) if (!CASES[k]) throw new Error(`unknown kind ${k}; known: ${Object.keys(CASES).join(', ')}`)
const jobs = Number(values.jobs ?? process.env.FUZZ_JOBS ?? Math.max(1, Math.floor(availableParallelism() / 2)))
const baseSeed = values.seed ?? process.env.FUZZ_SEED ?? String(Date.now() % 1e9)
const scale = values.scale ?? process.env.FUZZ_SCALE
const deadline = Date.now() + seconds * 1000

console.log(`fuzz: ${seconds}s, kinds ${kinds.join(',')}, ${jobs} job(s), base seed ${baseSeed}`)
let launched = 0
const counts = {}
const failures = []

async function worker() {
  while (Date.now() < deadline) {
    const n = launched++
    const kind = kinds[n % kinds.length]
    const seed = `${baseSeed}-${n}`
    const left = deadline - Date.now()
    if (left < 2000) break
    const full = TIMEOUTS[kind] ?? 60000
    const outcome = await runCase(kind, seed, { scale, timeoutMs: Math.min(full, left) })
    // A case cut short by the end of the run is inconclusive, not a hang.
    if (outcome.verdict === 'hang' && left < full) {
      counts[`${kind}:cut-short`] = (counts[`${kind}:cut-short`] ?? 0) + 1
      continue
    }
    counts[`${kind}:${outcome.verdict}`] = (counts[`${kind}:${outcome.verdict}`] ?? 0) + 1
    if (outcome.verdict !== 'ok') {
      failures.push(outcome)
      console.log(describeOutcome(outcome))
    }
  }
}

await Promise.all(Array.from({ length: jobs }, worker))
console.log(`fuzz: ${launched} case(s) run; ${JSON.stringify(counts)}`)
if (failures.length > 0) {
  console.log(`fuzz: ${failures.length} failure(s); seeds: ${failures.map((f) => `${f.kind}/${f.seed}`).join(' ')}`)
  process.exitCode = 1
} else {
  console.log('fuzz: no failures')
}
