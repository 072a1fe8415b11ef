// piscina's trivial task: return the input.
export default function trivial(x) {
  return x
}
