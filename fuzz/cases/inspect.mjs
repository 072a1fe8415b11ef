// inspectFunction(source) on hostile text: valid function sources cut,
// spliced and sprinkled with JS punctuation, lone surrogates, NULs and line
// terminators; deep nesting of random constructs (up to the 1 MiB limit);
// random strings and non-strings. Oracle: it returns a well-formed answer
// (positions >= 1 and within the source, import offsets at `import`), or
// throws a SyntaxError ERR_INVALID_FUNCTION_SOURCE with line/column, a
// RangeError ERR_OUT_OF_RANGE or a TypeError ERR_INVALID_ARG_TYPE; never a
// crash (the runner sees signals) or a hang.

import { hostileString, hostileValue } from '../hostile.mjs'
import { callSync, step, violation } from '../oracle.mjs'

const CODES = new Set(['ERR_INVALID_FUNCTION_SOURCE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_TYPE'])

const SEEDS = [
  'x => x * k',
  'async (a, {b}, ...r) => { const m = await import(a); return m[b] + r.length + k }',
  'function f(n) { return n < 2 ? 1 : n * f(n - 1) + g }',
  'm(x) { return this.y + x + z }',
  'get v() { return `a${b}c${ d => d + e }` }',
  '#p() { return this.#p }',
  'class A extends B { static s = C; #q = 1; m() { return A + this.#q } static { D } }',
  '*g() { yield* h; try { } catch ({ message }) { label: for (;;) break label } }',
  "async function* () { for await (const x of y) yield x; return /re[g]ex/u.test('😀') }",
  'function () { [native code] }',
  '[Symbol.iterator]() { return arguments }',
  '(a = b, [c] = d) => typeof e + void f + delete g.h',
]
const PIECES = ['(', ')', '{', '}', '[', ']', '`', '${', "'", '"', '/', '/*', '*/', '//', '\n', '\r', '\u2028', '\0', '\uD800', '\uDC00', '😀', '=>', '=', ',', ';', ':', '?', '.', '...', '#', '@', 'import(', 'import', 'this', 'arguments', 'async ', 'function ', 'class ', 'yield ', 'await ', 'new ', 'x', 'k', ' ', '\\u0061', '<!--', '-->']
const DEEP = ['(', '[', '{a:', '!', '- ', 'x => ', 'x ? 1 : ', 'a = ', 'if (x) ', '`${', 'f(', '[...', 'typeof ', 'function(){return ', 'class{m(){return ']

function mutate(rng, src) {
  let s = src
  for (let k = rng.int(1, 6); k > 0; k--) {
    const at = rng.int(0, s.length)
    switch (rng.int(0, 3)) {
      case 0:
        s = s.slice(0, at) + rng.pick(PIECES) + s.slice(at)
        break
      case 1:
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + rng.int(1, 8)))
        break
      case 2:
        s = s.slice(0, at) + rng.pick(SEEDS) + s.slice(at)
        break
      default:
        s = s.slice(0, at)
    }
  }
  return s
}

function deep(rng) {
  const open = rng.pick(DEEP)
  const n = rng.pick([10, 1000, 10_000, 100_000, Math.floor(1_100_000 / open.length)])
  const close = { '(': ')', '[': ']', '{a:': '}', '`${': '}`', 'f(': ')', '[...': ']', 'function(){return ': '}', 'class{m(){return ': '}}' }[open] ?? ''
  return `x => ${open.repeat(n)}x${close.repeat(rng.chance(0.8) ? n : rng.int(0, n))}`
}

function source(rng) {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.pick(SEEDS)
    case 1:
    case 2:
      return mutate(rng, rng.pick(SEEDS))
    case 3:
      return deep(rng)
    case 4:
      return hostileString(rng)
    default:
      return rng.chance(0.5) ? hostileValue(rng) : Array.from({ length: rng.int(0, 40) }, () => rng.pick(PIECES)).join('')
  }
}

/** The answer's shape: what the worker engine relies on. */
function checkAnswer(src, info) {
  const kinds = ['arrow', 'function', 'method', 'class', 'native', 'bound']
  if (!kinds.includes(info.kind)) return `kind ${info.kind}`
  if (typeof info.async !== 'boolean' || typeof info.generator !== 'boolean' || typeof info.usesThis !== 'boolean') return 'flags'
  if (!Array.isArray(info.params) || info.params.some((p) => p !== null && typeof p !== 'string')) return 'params'
  const lines = src.split(/\r\n|[\n\r\u2028\u2029]/)
  const seen = new Set()
  for (const f of info.free) {
    if (seen.has(f.name)) return `free ${f.name} twice`
    seen.add(f.name)
    if (!(f.line >= 1 && f.line <= lines.length)) return `free ${f.name} line ${f.line}`
    if (!(f.column >= 1 && f.column <= lines[f.line - 1].length + 1)) return `free ${f.name} column ${f.column}`
  }
  for (const off of info.imports) if (src.slice(off, off + 6) !== 'import') return `import offset ${off}`
  return null
}

export const inspectCase = {
  name: 'inspect',
  steps: 200,
  async run(rng, ctx, index) {
    const src = source(rng)
    step(`#${index} inspectFunction(${typeof src === 'string' ? `${JSON.stringify(src.slice(0, 80))}… (${src.length})` : typeof src})`)
    const r = callSync('inspectFunction', () => ctx.native.inspectFunction(src), CODES)
    if (r.ok) {
      if (typeof src !== 'string') violation('accepted-non-string', { got: typeof src })
      else {
        const why = checkAnswer(src, r.value)
        if (why) violation('bad-answer', { why, source: src })
      }
    } else if (r.error?.code === 'ERR_INVALID_FUNCTION_SOURCE') {
      const e = r.error
      if (!(e instanceof SyntaxError) || !(e.line >= 1) || !(e.column >= 1)) violation('bad-syntax-error', { line: e.line, column: e.column, name: e.name })
    }
  },
}
