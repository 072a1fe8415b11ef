// Generators of deep and wide kernel sources (strings in the numeric subset,
// or just past its limits). Each returns { shape, size, source, args, small }:
// `small` says the source is cheap enough to also evaluate with V8 as the
// reference; `args` is how many numeric arguments the kernel takes.

const UNARY = ['!', '~', '-', '+']

/** A kernel made of `n` nested levels of one construct. */
export function deepKernel(rng, n) {
  const shape = rng.pick([
    'unary', 'ternary-alt', 'ternary-cons', 'pow', 'assign', 'compound', 'if', 'if-block', 'paren', 'call',
    'binary-left', 'logical', 'block', 'loop', 'mixed', 'functions', 'comma-free-seq',
    'nullish', 'equality-kinds', 'captures',
  ])
  let body
  switch (shape) {
    case 'unary': {
      const ops = []
      for (let i = 0; i < n; i++) ops.push(rng.pick(UNARY))
      body = `x => ${ops.join(' ')} x`
      break
    }
    case 'ternary-alt':
      body = `x => ${'x > 1 ? 1 : '.repeat(n)}0`
      break
    case 'ternary-cons':
      body = `x => ${'x > 0 ? '.repeat(n)}1${' : 2'.repeat(n)}`
      break
    case 'pow':
      body = `x => ${'x ** '.repeat(n)}0.5`
      break
    case 'assign':
      body = `x => { let a = 0; a = ${'a = '.repeat(n)}x; return a }`
      break
    case 'compound':
      body = `x => { let a = 1; a += ${rng.pick(['a -= ', 'a *= ', 'a |= ', 'a += ']).repeat(n)}x; return a }`
      break
    case 'if':
      body = `x => { ${'if (x > 0) '.repeat(n)}return 1; return 0 }`
      break
    case 'if-block':
      body = `x => { let s = 0; ${'if (x > 0) { s = s + 1; '.repeat(n)}${'}'.repeat(n)} return s }`
      break
    case 'paren':
      body = `x => ${'('.repeat(n)}x${')'.repeat(n)}`
      break
    case 'call':
      body = `x => ${`Math.${rng.pick(['abs', 'floor', 'sign', 'fround', 'round'])}(`.repeat(n)}x${')'.repeat(n)}`
      break
    case 'binary-left': {
      const op = rng.pick(['+', '-', '*', '|', '&', '<', '===', '%'])
      body = `x => x${` ${op} x`.repeat(n)}`
      break
    }
    case 'logical':
      body = `x => ${rng.pick(['x && ', 'x || ', 'x ?? ']).repeat(n)}x`
      break
    case 'block':
      body = `x => { let s = x; ${'{ s = s + 1; '.repeat(n)}${'}'.repeat(n)} return s }`
      break
    case 'loop':
      body = `x => { let s = 0; ${'for (let k = 0; k < 1; k++) '.repeat(n)}s = s + 1; return s }`
      break
    case 'functions':
      body = `x => { ${'function f(a) { '.repeat(n)}return a + 1${' } return f(a)'.repeat(n - 1)} } return f(x) }`
      break
    case 'comma-free-seq':
      body = `x => { let s = x; ${'s = s * 1.000001 + 1; '.repeat(n)}return s }`
      break
    case 'nullish':
      // Values of three kinds: booleans, undefined and numbers under `??`.
      body = `x => ${'(x > 1 ? undefined : x > 0) ?? '.repeat(n)}x`
      break
    case 'equality-kinds':
      body = `x => ${rng.pick(['(x > 0 ? undefined : x) === ', '(x > 1 ? x > 2 : undefined) == ', '(x < 0) !== ']).repeat(n)}true`
      break
    case 'captures': {
      // Nested functions, each reading the kernel's parameter and the outermost one's (hidden arguments).
      let pre = ''
      let post = ''
      for (let k = 0; k < n; k++) {
        pre += `function f${k}(a${k}) { `
        post = ` } return f${k}(${k === 0 ? 'x' : `a${k - 1} + 1`})${post}`
      }
      body = `x => { ${pre}return a${n - 1} * 0.5 + x + a0${post} }`
      break
    }
    default:
      body = `x => ${mixed(rng, n)}`
  }
  return { shape: `deep-${shape}`, size: n, source: body, args: 1, small: n <= 300 }
}

/** A random expression about `n` levels deep, mixing every construct. */
function mixed(rng, n) {
  // Built iteratively (an explicit stack of prefixes and suffixes) so huge n is fine here.
  let pre = ''
  let post = ''
  for (let i = 0; i < n; i++) {
    switch (rng.int(0, 6)) {
      case 0:
        pre += `${rng.pick(UNARY)} `
        break
      case 1:
        pre += '('
        post = `)${post}`
        break
      case 2:
        pre += 'x > 0 ? '
        post = ` : ${rng.int(0, 9)}${post}`
        break
      case 3:
        pre += 'Math.abs('
        post = `)${post}`
        break
      case 4:
        pre += '1 + ('
        post = `)${post}`
        break
      case 5:
        pre += 'x ** ('
        post = `)${post}`
        break
      default:
        pre += 'Math.max(x, '
        post = `)${post}`
    }
  }
  return `${pre}x${post}`
}

/** A kernel with `n` of something side by side: call arguments, live locals, functions, recursion. */
export function wideKernel(rng, n) {
  const shape = rng.pick(['hypot', 'max', 'min', 'locals', 'recursive-locals', 'recursion', 'deep-recursion', 'functions', 'atan2-chain', 'hoisted-vars', 'captured-consts'])
  let body
  let args = 1
  switch (shape) {
    case 'hypot':
    case 'max':
    case 'min': {
      const list = []
      for (let i = 0; i < n; i++) list.push(i % 3 === 0 ? 'x' : `x + ${i % 97}`)
      body = `x => Math.${shape}(${list.join(', ')})`
      break
    }
    case 'locals': {
      const defs = []
      const uses = []
      for (let i = 0; i < n; i++) defs.push(`let a${i} = x * ${(i % 13) + 1} + ${i};`)
      for (let i = n - 1; i >= 0; i--) uses.push(`s = s + a${i};`)
      body = `x => { ${defs.join(' ')} let s = 0; ${uses.join(' ')} return s }`
      break
    }
    case 'recursive-locals': {
      const defs = []
      const uses = []
      for (let i = 0; i < n; i++) defs.push(`let a${i} = n + ${i};`)
      for (let i = n - 1; i >= 0; i--) uses.push(`s = s + a${i};`)
      body = `x => { function f(n) { ${defs.join(' ')} if (n <= 0) return 0; let s = f(n - 1); ${uses.join(' ')} return s } return f(x) }`
      break
    }
    case 'recursion':
      body = `x => { function f(n) { return f(n + 1) + 1 } return f(x) }`
      break
    case 'deep-recursion':
      body = `x => { function f(n) { return n <= 0 ? 0 : 1 + f(n - 1) } return f(x * ${n}) }`
      break
    case 'hoisted-vars': {
      // Each var read (as undefined) before its declaration.
      const reads = []
      const decls = []
      for (let i = 0; i < n; i++) reads.push(`s += (v${i} === undefined) + (v${i} ?? ${i % 7});`)
      for (let i = 0; i < n; i++) decls.push(`var v${i} = x + ${i};`)
      body = `x => { let s = 0; ${reads.join(' ')} ${decls.join(' ')} return s + v${n - 1} }`
      break
    }
    case 'captured-consts': {
      // One nested function reading n of the kernel's consts: n hidden arguments.
      const defs = []
      const uses = []
      for (let i = 0; i < n; i++) defs.push(`const c${i} = x * ${(i % 13) + 1} + ${i};`)
      for (let i = 0; i < n; i++) uses.push(`c${i}`)
      body = `x => { ${defs.join(' ')} function g(v) { return Math.max(${uses.join(', ')}) + v } return g(x > 0) }`
      break
    }
    case 'functions': {
      const fns = []
      for (let i = 0; i < n; i++) fns.push(`function g${i}(a) { return a + ${i % 7} }`)
      body = `x => { ${fns.join(' ')} return g${n - 1}(x) + g0(x) }`
      break
    }
    default: {
      args = rng.int(1, 4)
      const names = Array.from({ length: args }, (_, i) => `p${i}`)
      let e = names[0]
      for (let i = 0; i < Math.min(n, 2000); i++) e = `Math.atan2(${e}, ${names[i % args]})`
      body = `(${names.join(', ')}) => ${e}`
    }
  }
  const small = shape === 'recursion' || shape === 'deep-recursion' || n <= 200
  return { shape: `wide-${shape}`, size: n, source: body, args, small }
}
