// The kernels' pow matches the running V8, and an unknown V8 is said out loud.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import test from 'ava'

const requireHere = createRequire(import.meta.url)
const load = requireHere('../lib/load.js')
const root = join(import.meta.dirname, '..')

test('this V8 is a known one, and the report names it', (t) => {
  const info = load.binding.internal.powExactness()
  const [major, minor] = process.versions.v8.split('.')
  t.is(info.v8, `${major}.${minor}`)
  t.true(info.known)
  t.true(['NodeSymbol', 'Port', 'V8Std'].includes(info.pow), info.pow)
})

test('an unknown V8 warns once, with a code, naming the version', (t) => {
  const script = `
    const load = require(${JSON.stringify(join(root, 'lib/load.js'))})
    const seen = []
    process.on('warning', (w) => seen.push({ name: w.name, code: w.code, message: w.message }))
    const info = { v8: '99.1', known: false, pow: 'V8Std' }
    const first = load.warnIfUnknownV8(info)
    const second = load.warnIfUnknownV8(info)
    const known = load.warnIfUnknownV8({ v8: '13.6', known: true, pow: 'V8Std' })
    setImmediate(() => console.log(JSON.stringify({ first, second, known, seen })))
  `
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 })
  t.is(out.signal, null)
  t.is(out.status, 0, out.stderr)
  const r = JSON.parse(out.stdout)
  t.deepEqual([r.first, r.second, r.known], [true, false, false])
  t.is(r.seen.length, 1)
  t.is(r.seen[0].code, 'NAPI_PARALLEL_UNKNOWN_V8')
  t.regex(r.seen[0].message, /not been checked against V8 99\.1/)
  t.is(out.stderr.match(/NAPI_PARALLEL_UNKNOWN_V8/g)?.length, 1)
})

test('a known V8 loads without a warning', (t) => {
  const out = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(root, 'index.js'))})`], {
    encoding: 'utf8',
    timeout: 30_000,
  })
  t.is(out.status, 0, out.stderr)
  t.is(out.stderr, '')
})
