// Runs one fuzz case in a child process and classifies the outcome: `ok`,
// `crash` (killed by a signal, or an abort-like exit status), `hang` (still
// running at the deadline: killed with SIGKILL), `violation` (exit 1 with
// FUZZ-VIOLATION lines) or `error` (any other exit status). Used by
// fuzz/run.mjs (the long run) and __test__/fuzz.spec.ts (the short run).

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const DRIVER = fileURLToPath(new URL('./driver.mjs', import.meta.url))

/** The command line that replays a case (or one step of it) by hand. */
export function reproLine(kind, seed, extra = []) {
  return ['node', '--expose-gc', 'fuzz/driver.mjs', kind, String(seed), ...extra].join(' ')
}

/**
 * Runs `node fuzz/driver.mjs kind seed ...args` with a wall-clock limit of
 * `timeoutMs`. Resolves to { verdict, status, signal, ms, lastStep,
 * violations, stderrTail, repro }.
 */
export function runCase(kind, seed, { steps, scale, timeoutMs = 60000, env } = {}) {
  const args = [DRIVER, kind, String(seed)]
  const extra = []
  if (steps !== undefined) extra.push('--steps', String(steps))
  if (scale !== undefined) extra.push('--scale', String(scale))
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, ['--expose-gc', ...args, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    let lastStep = ''
    const natives = [] // panic / abort lines of the native side, kept whole
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d
    })
    let partial = '' // an unfinished last line, completed by the next chunk
    let panicAt = null // a 'panicked at' line waiting for its message line
    const NATIVE = /panicked at|fatal runtime error|free\(\)|malloc\(\)|double free|corrupted|Segmentation|Aborted|overflowed its stack/
    const onLine = (line) => {
      if (panicAt !== null) {
        natives.push(`${panicAt} | ${line}`)
        panicAt = null
      } else if (line.startsWith('FUZZ-STEP ')) lastStep = line.slice(10)
      else if (natives.length < 6 && NATIVE.test(line) && !natives.some((n) => n.startsWith(line))) {
        if (/panicked at/.test(line)) panicAt = line
        else natives.push(line)
      }
    }
    child.stderr.setEncoding('utf8').on('data', (d) => {
      const lines = (partial + d).split('\n')
      partial = lines.pop()
      for (const line of lines) onLine(line)
      stderr = (stderr + d).split('\n').slice(-40).join('\n')
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      if (partial) onLine(partial)
      if (panicAt !== null) natives.push(panicAt)
      const ms = Date.now() - started
      const violations = stdout
        .split('\n')
        .filter((l) => l.startsWith('FUZZ-VIOLATION '))
        .map((l) => l.slice(15))
      let verdict
      if (timedOut) verdict = 'hang'
      else if (signal !== null || status === 134 || status === 139 || status > 128) verdict = 'crash'
      else if (status === 0) verdict = 'ok'
      else if (violations.length > 0) verdict = 'violation'
      else verdict = 'error'
      // The whole case always reproduces; the failing step alone often does too (state can carry over).
      const stepMatch = /^#(\d+)[ .]/.exec(lastStep)
      const repro = reproLine(kind, seed, extra)
      const stepRepro = stepMatch ? reproLine(kind, seed, [...extra.filter((_, i, a) => a[i] !== '--steps' && a[i - 1] !== '--steps'), '--step', stepMatch[1]]) : null
      const stderrTail = stderr
        .split('\n')
        .filter((l) => !l.startsWith('FUZZ-STEP '))
        .slice(-8)
        .join('\n')
      resolve({ kind, seed, verdict, status, signal, ms, lastStep, violations, stderrTail, natives, repro, stepRepro })
    })
  })
}

/** A one-paragraph description of a failed case for a report. */
export function describeOutcome(o) {
  const head = `${o.verdict.toUpperCase()} kind=${o.kind} seed=${o.seed} status=${o.status} signal=${o.signal} after ${o.ms} ms`
  const lines = [head, `  last step: ${o.lastStep || '(none)'}`, `  repro: ${o.repro}`]
  if (o.stepRepro) lines.push(`  that step alone: ${o.stepRepro}`)
  for (const n of new Set(o.natives)) lines.push(`  native: ${n.slice(0, 300)}`)
  for (const v of o.violations.slice(0, 5)) lines.push(`  ${v.slice(0, 500)}`)
  if (o.verdict === 'error' && o.stderrTail) lines.push(`  stderr: ${o.stderrTail.slice(0, 800)}`)
  return lines.join('\n')
}
