'use strict'
// Writes tests/data/coverage.txt: the differential corpus (corpus.js) as
// istanbul instruments it (what `nyc` and `jest --coverage` run), each
// instrumented kernel evaluated by V8, in the format of vectors.txt (see
// gen_vectors.js). The Rust test (tests/differential.rs) compiles the
// instrumented sources, which carry `cov_<hash>().s[n]++`-style counters,
// and must get V8's outputs. The file is committed; regenerate it after
// changing corpus.js or istanbul-lib-instrument:
//   node crates/kernel/tests/gen_coverage.js
const fs = require('node:fs')
const path = require('node:path')
const { createInstrumenter } = require('istanbul-lib-instrument')
const { vectors } = require('./gen_vectors.js')

const file = path.join(__dirname, 'corpus.js')
const instrumented = createInstrumenter({ esModules: false }).instrumentSync(fs.readFileSync(file, 'utf8'), file)
const cov = /function (cov_[0-9a-z]+)\(\)/.exec(instrumented)?.[1]
if (!cov) throw new Error('istanbul declared no cov_<hash>() function')
// Load the instrumented corpus as a CommonJS module, exporting its counter
// function too (kernels rebuilt with params need it in scope).
const mod = { exports: {} }
new Function('module', 'exports', 'require', `${instrumented}\n;module.exports.${cov} = ${cov};`)(mod, mod.exports, require)
const { CORPUS } = mod.exports
for (const entry of CORPUS) {
  if (!entry.fn.toString().includes(`${cov}().`)) throw new Error(`not instrumented: ${entry.name}`)
}
const out = path.join(__dirname, 'data', 'coverage.txt')
fs.writeFileSync(out, vectors(CORPUS, { [cov]: mod.exports[cov] }))
console.log(`wrote ${CORPUS.length} instrumented kernels to ${path.relative(process.cwd(), out)} (node ${process.version})`)
