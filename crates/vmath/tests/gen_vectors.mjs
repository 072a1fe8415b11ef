// Generates the V8 reference vectors for crates/vmath/tests/vectors.rs, from
// the running node's own Math: one file per V8 version, named after
// process.versions.v8's major.minor (data/v8-13.6.bin). Run it under each
// supported node (scripts/node-versions.mjs --vectors does).
//
//   node crates/vmath/tests/gen_vectors.mjs [randomPerFunction=3000] [out]
//
// Inputs are not stored: both this script and the Rust test derive them
// from the same special-value list and the same splitmix64 stream (seeded
// by FNV-1a of the function name), so the file holds only Node's outputs.
//
// Format (little-endian): "VMV1", u32 nRandom, u32 nFunctions, then per
// function: u8 nameLen, name bytes, u32 count, count x u64 output bits.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const nRandom = Number(process.argv[2] ?? 3000);
const v8 = process.versions.v8.split('.').slice(0, 2).join('.');
const out = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), 'data', `v8-${v8}.bin`);

const M64 = (1n << 64n) - 1n;
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const fromBits = (b) => { u64[0] = b; return f64[0]; };
const toBits = (x) => { f64[0] = x; return u64[0]; };

function fnv1a(name) {
  let h = 0xcbf29ce484222325n;
  for (const ch of Buffer.from(name)) { h ^= BigInt(ch); h = (h * 0x100000001b3n) & M64; }
  return h;
}
function rng(seed) {
  let s = seed;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
}
// One input from the stream: [scale S, exponent range emin..emax].
function draw(next, [S, emin, emax]) {
  const sel = Number(next() & 7n);
  const v = next();
  const unit = Number(v >> 11n) / 9007199254740992; // [0,1)
  switch (sel) {
    case 0: case 1: return fromBits(v); // any bit pattern
    case 2: case 3: case 4: return (unit * 2 - 1) * S;
    case 5: return (unit * 2 - 1) * 2;
    case 6: { // log-uniform magnitude
      const span = BigInt(emax - emin + 1);
      const e = BigInt(emin) + ((v >> 52n) % span);
      const sign = (v >> 63n) << 63n;
      const mant = v & 0xfffffffffffffn;
      const be = 1023n + e;
      if (be <= 0n) return fromBits(sign | ((mant | (1n << 52n)) >> (1n - be))); // subnormal
      return fromBits(sign | (be << 52n) | mant);
    }
    default: { // halves in [-64, 64] nudged by -3..3 ulps
      const k = Number((v >> 8n) % 257n) - 128;
      const base = k * 0.5;
      const d = BigInt(Number(v & 7n) - 3);
      if (base === 0) return fromBits(d < 0n ? -d : d);
      return fromBits(toBits(base) + d);
    }
  }
}

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072014e-308,
  -2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1, -1, 0.5, -0.5, 2,
  -2, 1e-300, -1e-300, 1e300, Math.PI / 4, Math.PI / 2, Math.PI, 2 * Math.PI, -Math.PI, 24, 2.5,
  1e22, -1e22, 1e-8, 0.1, 700, 710, 709.782712893384, -745.1332191019412, -745.2, 3.7e-9, 22, -22,
  0.34657359027997264, 1.0397207708399179, 0.975, 1e-17, 3, 10, 100, 1e5, 1e10, 2 ** 52, 2 ** 53,
  2 ** 64, 2 ** 1023, 0.7071067811865476, 1.4142135623730951, 1.5, 0.9999999999999999,
  1.0000000000000002, -0.9999999999999999, 7 / 16, 11 / 16, 19 / 16, 39 / 16];
const BIN_SPECIALS = [0, -0, Infinity, -Infinity, NaN, 5e-324, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 1.5,
  1e300, -1e300, 1e-300, 10, -5, 1024, -1075, 0.1, 1 / 3];

// name, arity, [S, emin, emax]
export const FUNCS = [
  ['sin', 1, [1e3, -40, 1023]], ['cos', 1, [1e3, -40, 1023]], ['tan', 1, [1e3, -40, 1023]],
  ['asin', 1, [1, -40, 1]], ['acos', 1, [1, -40, 1]], ['atan', 1, [10, -40, 80]],
  ['sinh', 1, [30, -40, 10]], ['cosh', 1, [30, -40, 10]], ['tanh', 1, [25, -40, 6]],
  ['asinh', 1, [1e3, -40, 100]], ['acosh', 1, [1e3, 0, 100]], ['atanh', 1, [1, -40, 0]],
  ['exp', 1, [720, -40, 10]], ['expm1', 1, [60, -60, 10]], ['log', 1, [1e6, -1074, 1023]],
  ['log1p', 1, [4, -60, 1023]], ['log2', 1, [1e6, -1074, 1023]], ['log10', 1, [1e6, -1074, 1023]],
  ['cbrt', 1, [1e6, -1074, 1023]], ['atan2', 2, [100, -60, 60]], ['pow', 2, [10, -12, 12]],
  ['hypot2', 2, [1e3, -600, 600]], ['round', 1, [1e3, -60, 60]],
];

function inputs(name, arity, params) {
  const next = rng(fnv1a(name));
  const list = [];
  if (arity === 1) {
    for (const x of SPECIALS) list.push([x]);
    for (let i = 0; i < nRandom; i++) list.push([draw(next, params)]);
  } else {
    for (const x of BIN_SPECIALS) for (const y of BIN_SPECIALS) list.push([x, y]);
    for (let i = 0; i < nRandom; i++) {
      const x = draw(next, params);
      // pow: exponents mostly small, half of them integers or halves.
      let y = draw(next, params);
      if (name === 'pow') {
        const m = Number(next() & 3n);
        if (m === 0) y = Math.trunc(y);
        else if (m === 1) y = Math.round(y * 2) / 2;
      }
      list.push([x, y]);
    }
  }
  return list;
}

const impl = {
  hypot2: (a, b) => Math.hypot(a, b),
  pow: (a, b) => a ** b,
};
const chunks = [];
const header = Buffer.alloc(12);
header.write('VMV1', 0, 'latin1');
header.writeUInt32LE(nRandom, 4);
header.writeUInt32LE(FUNCS.length, 8);
chunks.push(header);
for (const [name, arity, params] of FUNCS) {
  const fn = impl[name] ?? Math[name];
  const ins = inputs(name, arity, params);
  const buf = Buffer.alloc(1 + name.length + 4 + 8 * ins.length);
  let o = 0;
  buf.writeUInt8(name.length, o); o += 1;
  buf.write(name, o, 'latin1'); o += name.length;
  buf.writeUInt32LE(ins.length, o); o += 4;
  for (const args of ins) {
    const r = fn(...args);
    if (name === 'pow' && !Object.is(r, Math.pow(...args))) throw new Error(`** != Math.pow for ${args}`);
    buf.writeBigUInt64LE(toBits(r), o); o += 8;
  }
  chunks.push(buf);
}
writeFileSync(out, Buffer.concat(chunks));
console.log(`wrote ${out} (${FUNCS.length} functions, ${nRandom} random each, node ${process.version}, V8 ${process.versions.v8})`);
