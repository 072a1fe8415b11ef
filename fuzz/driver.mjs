#!/usr/bin/env node
// One fuzz case in this (child) process: `node fuzz/driver.mjs <kind> <seed>
// [--steps N] [--step I] [--scale S]`. Step i draws from its own generator,
// seeded by (kind, seed, i), so `--step I` replays exactly that input.
// Exit 0: no violation. A violation prints `FUZZ-VIOLATION {json}` and
// exits 1; a crash shows as a signal, a hang as the parent's timeout.

import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

import { CASES } from './cases/index.mjs'
import { installGuards, violationCount } from './oracle.mjs'
import { Rng } from './rng.mjs'

const require = createRequire(import.meta.url)

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string' }, step: { type: 'string' }, scale: { type: 'string' } },
})
const [kind, seed = '1'] = positionals
const fuzzCase = CASES[kind]
if (!fuzzCase) {
  console.error(`usage: node fuzz/driver.mjs <${Object.keys(CASES).join('|')}> <seed> [--steps N] [--step I] [--scale S]`)
  process.exit(2)
}

installGuards()
const ctx = {
  np: require('../index.js'),
  native: require('../binding.js'),
  seed,
  kind,
  scale: values.scale === undefined ? 1 : Number(values.scale),
}
const only = values.step === undefined ? undefined : Number(values.step)
const steps = Number(values.steps ?? fuzzCase.steps)
if (fuzzCase.setup) await fuzzCase.setup(ctx)
for (let i = only ?? 0; i < (only === undefined ? steps : only + 1); i++) {
  await fuzzCase.run(new Rng(`${kind}:${seed}:${i}`), ctx, i)
}
if (fuzzCase.teardown) await fuzzCase.teardown(ctx)
process.stderr.write(`FUZZ-DONE ${kind} seed=${seed} violations=${violationCount()}\n`)
// No process.exit(): the process must exit on its own (a leaked ref is a hang).
