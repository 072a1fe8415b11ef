'use strict'
// Writes tests/data/vectors.txt: each corpus kernel evaluated by V8 on the
// corpus inputs. Run with `node crates/kernel/tests/gen_vectors.js` (the
// file is committed; regenerate after changing corpus.js).
//
// Format, one record per line:
//   K <n_inputs> <hex(utf-8 source)> <hex(params names, comma-joined)> <params values as f64 bits, comma-joined or ->
//   V <input bits>... <output bits>      (16 hex digits each; output as Float64Array stores it)
// and tests/data/values.txt, the kernels' exact JS results in call mode (see `values`).
const fs = require('node:fs')
const path = require('node:path')
const { CORPUS, inputs, pairs } = require('./corpus.js')

const hex = (s) => Buffer.from(s, 'utf8').toString('hex')
const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)
const bits = (x) => ((f64[0] = x), u64[0].toString(16).padStart(16, '0'))

/**
 * Runs `fn` like parallelMap: (x0, …, i) with params bound as constants.
 * `scope` names extra free variables the source needs (an instrumented
 * kernel's `cov_…` function), bound when params force a rebuild.
 */
function reference(entry, columns, scope = {}) {
  const names = Object.keys(entry.params ?? {})
  const values = names.map((k) => entry.params[k])
  const free = Object.keys(scope)
  // Rebuild the function with params in scope, as the compiler binds them.
  const fn = names.length
    ? new Function(...free, ...names, `return (${entry.fn.toString()})`)(...free.map((k) => scope[k]), ...values)
    : entry.fn
  const n = columns[0].length
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = columns.length === 1 ? fn(columns[0][i], i) : fn(columns[0][i], columns[1][i], i)
  return out
}

/** The records (see the format above) of every kernel of `corpus`. */
function vectors(corpus, scope = {}) {
  const lines = []
  for (const entry of corpus) {
    const k = entry.inputs ?? 1
    const columns = k === 1 ? [inputs(1)] : pairs(2)
    const out = reference(entry, columns, scope)
    const names = Object.keys(entry.params ?? {})
    const vals = names.map((n) => bits(entry.params[n]))
    lines.push(`K ${k} ${hex(entry.fn.toString())} ${hex(names.join(',')) || '-'} ${vals.join(',') || '-'}`)
    for (let i = 0; i < out.length; i++) lines.push(`V ${columns.map((c) => bits(c[i])).join(' ')} ${bits(out[i])}`)
  }
  return lines.join('\n') + '\n'
}

/**
 * The exact JS values (tests/data/values.txt): each corpus kernel called as
 * `spawn` calls it, with `(x0, …, i)` as arguments, on the first 16 inputs.
 * Format: the same `K` record, then `C <argument bits>... <kind> <bits>` with
 * kind `n` (number), `b` (boolean: bits of 0/1) or `u` (undefined).
 */
function values(corpus) {
  const lines = []
  for (const entry of corpus) {
    const k = entry.inputs ?? 1
    const columns = (k === 1 ? [inputs(1)] : pairs(2)).map((c) => c.slice(0, 16))
    const names = Object.keys(entry.params ?? {})
    const fn = names.length
      ? new Function(...names, `return (${entry.fn.toString()})`)(...names.map((n) => entry.params[n]))
      : entry.fn
    lines.push(`K ${k} ${hex(entry.fn.toString())} ${hex(names.join(',')) || '-'} ${names.map((n) => bits(entry.params[n])).join(',') || '-'}`)
    for (let i = 0; i < columns[0].length; i++) {
      const args = [...columns.map((c) => c[i]), i]
      const v = fn(...args)
      const kind = typeof v === 'boolean' ? 'b' : v === undefined ? 'u' : 'n'
      lines.push(`C ${args.map(bits).join(' ')} ${kind} ${bits(Number(v))}`)
    }
  }
  return lines.join('\n') + '\n'
}

module.exports = { vectors }

if (require.main === module) {
  const file = path.join(__dirname, 'data', 'vectors.txt')
  fs.writeFileSync(file, vectors(CORPUS))
  console.log(`wrote ${CORPUS.length} kernels to ${path.relative(process.cwd(), file)} (node ${process.version})`)
  const vfile = path.join(__dirname, 'data', 'values.txt')
  fs.writeFileSync(vfile, values(CORPUS))
  console.log(`wrote ${CORPUS.length} kernels' call values to ${path.relative(process.cwd(), vfile)}`)
}
