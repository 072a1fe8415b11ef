// The issue's own examples of kernels that crashed the process, as fixed
// steps (the seed does not matter): each must fail with a coded error (or
// succeed), never crash. Step i is CORNERS[i].

import { callAsync, callSync, step } from '../oracle.mjs'

const KERNEL_CODES = new Set(['ERR_UNSUPPORTED_KERNEL', 'ERR_KERNEL_STACK_OVERFLOW'])

function locals(n, recursive) {
  const defs = Array.from({ length: n }, (_, i) => `let a${i} = n + ${i};`).join(' ')
  const uses = Array.from({ length: n }, (_, i) => `s = s + a${n - 1 - i};`).join(' ')
  if (!recursive) return `(n) => { ${defs} let s = 0; ${uses} return s }`
  return `(x) => { function f(n) { ${defs} if (n <= 0) return 0; let s = f(n - 1); ${uses} return s } return f(x) }`
}

const args = (n) => Array.from({ length: n }, (_, i) => (i % 2 ? 'x' : `x + ${i % 7}`)).join(', ')

/** [label, source, target, on the 64 KiB-stack pool] */
const CORNERS = [
  ['1e6 nested !', () => `x => ${'!'.repeat(1e6)}x`, 'compileKernel', false],
  ['1e6 nested !', () => `x => ${'!'.repeat(1e6)}x`, 'parallelMap', false],
  ['1e6 nested - -', () => `x => ${'- '.repeat(1e6)}x`, 'parallelMapSync', false],
  ['5e5 ternaries', () => `x => ${'x > 1 ? 1 : '.repeat(5e5)}0`, 'compileKernel', false],
  ['5e5 ternary consequents', () => `x => ${'x ? '.repeat(5e5)}1${' : 2'.repeat(5e5)}`, 'spawn', false],
  ['5e5 **', () => `x => ${'x ** '.repeat(5e5)}2`, 'compileKernel', false],
  ['5e5 assignments', () => `x => { let a = 0; a = ${'a = '.repeat(5e5)}x; return a }`, 'parallelMap', false],
  ['5e5 ifs', () => `x => { ${'if (x) '.repeat(5e5)}return 1; return 0 }`, 'compileKernel', false],
  ['2e5 nested blocks', () => `x => { ${'{ '.repeat(2e5)}${'}'.repeat(2e5)} return x }`, 'compileKernel', false],
  ['3e5 nested Math.abs', () => `x => ${'Math.abs('.repeat(3e5)}x${')'.repeat(3e5)}`, 'spawn', true],
  ['Math.hypot 3e5 args', () => `x => Math.hypot(${args(3e5)})`, 'parallelMap', false],
  ['Math.max 3e5 args', () => `x => Math.max(${args(3e5)})`, 'spawn', false],
  ['2e4 live locals, recursive', () => locals(2e4, true), 'spawn', false],
  ['1e4 live locals, 64 KiB stack', () => locals(1e4, false), 'spawn', true],
  ['unbounded recursion, 64 KiB stack', () => `x => { function f(n) { return f(n + 1) + 1 } return f(x) }`, 'parallelMap', true],
]

export const kernelCornersCase = {
  name: 'kernel-corners',
  steps: CORNERS.length,
  async setup(ctx) {
    ctx.smallStackPool = new ctx.np.Pool({ threads: 2, stackSize: 65536 })
  },
  async teardown(ctx) {
    await ctx.smallStackPool.close()
  },
  async run(_rng, ctx, index) {
    const np = ctx.np
    const [label, make, target, small] = CORNERS[index % CORNERS.length]
    const source = make()
    const opts = small ? { pool: ctx.smallStackPool } : undefined
    step(`#${index} ${label} via ${target}${small ? ' on Pool{stackSize:65536}' : ''}`)
    if (target === 'compileKernel') callSync(target, () => np.compileKernel(source), KERNEL_CODES)
    else if (target === 'parallelMapSync') callSync(target, () => np.parallelMapSync(new Float64Array(64).fill(1), source), KERNEL_CODES)
    else if (target === 'parallelMap') await callAsync(target, () => np.parallelMap(new Float64Array(64).fill(1), source, opts), KERNEL_CODES, 120000)
    else await callAsync(target, () => np.spawn(source, [1e6], opts), KERNEL_CODES, 120000)
  },
}
