// piscina worker for benchmark/map.ts: computes out[start..end) = fn(xs[i], i)
// over SharedArrayBuffers. The kernel arrives as source text; each kernel
// gets its own compiled loop (so V8 inlines the kernel into it).
const loops = new Map()

function loopFor(source) {
  let loop = loops.get(source)
  if (!loop) {
    loop = new Function(
      'f',
      `return function loop(xs, out, start, end) {
        for (let i = start; i < end; i++) out[i] = f(xs[i], i)
      }`,
    )(new Function(`return (${source})`)())
    loops.set(source, loop)
  }
  return loop
}

export default function run({ source, input, output, start, end }) {
  loopFor(source)(new Float64Array(input), new Float64Array(output), start, end)
  return end - start
}
