/**
 * `npm run soak`: 1,000,000 tasks (with timeouts, cancels and failures mixed
 * in) in batches of 10,000; RSS must stay flat within a few MB after warm-up.
 * Exits with code 1 if it grows by more than LIMIT_MB.
 */
import { ping } from '../index.js'

const TOTAL = Number(process.env.SOAK_TASKS ?? 1_000_000)
const REPORT = Number(process.env.SOAK_REPORT ?? 0)
const BATCH = 10_000
const LIMIT_MB = 8

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const rssMb = () => process.memoryUsage().rss / 2 ** 20

async function batch(offset: number): Promise<void> {
  const handles = new Array(BATCH)
  for (let i = 0; i < BATCH; i++) {
    // a few with a (long) timeout, a few cancelled: every path must free its state
    handles[i] = ping(offset + i, i % 10 === 0 ? { timeout: 60_000 } : undefined)
    if (i % 50 === 0) handles[i].cancel()
  }
  await Promise.allSettled(handles)
}

let baseline = 0
const started = Date.now()
for (let done = 0; done < TOTAL; done += BATCH) {
  await batch(done)
  if (REPORT && done % REPORT === 0) {
    gc()
    console.log(`${done}: ${rssMb().toFixed(1)} MB`)
  }
  if (done === 100_000) {
    gc()
    baseline = rssMb()
    console.log(`after warm-up: ${baseline.toFixed(1)} MB RSS`)
  }
}
gc()
await new Promise((r) => setTimeout(r, 100))
gc()
const end = rssMb()
const growth = end - baseline
console.log(`${TOTAL} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s; RSS ${baseline.toFixed(1)} → ${end.toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB)`)
if (growth > LIMIT_MB) {
  console.error(`RSS grew by more than ${LIMIT_MB} MB`)
  process.exit(1)
}
