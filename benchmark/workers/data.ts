/**
 * Deterministic inputs for benchmark/workers.ts (and the scale tests' sizes):
 * JSON records, access-log lines and small objects, from a fixed-seed PRNG.
 */

/** A small xorshift PRNG: the same inputs on every run. */
export function prng(seed = 0x9e3779b9): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

const FIRST = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald', 'ken', 'margaret', 'linus', 'radia']
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Hamilton', 'Torvalds', 'Perlman']
const DOMAINS = ['Example.com', 'Mail.ORG', 'corp.example.NET', 'uni.edu']
const TAGS = [' Alpha', 'beta ', '', 'GAMMA', 'delta', ' beta', 'Epsilon ', 'zeta']
const WORDS = 'the quick brown fox jumps over lazy dog parallel worker engine queue batch native thread record transform regex parse value'.split(' ')

/** `n` JSON records of about 450 bytes, one string each. */
export function makeRecords(n: number, seed?: number): string[] {
  const rnd = prng(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]
  const out = new Array<string>(n)
  for (let i = 0; i < n; i++) {
    const first = pick(FIRST)
    const last = pick(LAST)
    const items = Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => ({
      sku: `${pick(['AB', 'CD', 'EF', 'GH'])}-${Math.floor(rnd() * 1000)}`,
      qty: 1 + Math.floor(rnd() * 9),
      price: Math.floor(rnd() * 10000) / 100,
    }))
    const note = Array.from({ length: 15 + Math.floor(rnd() * 10) }, () => pick(WORDS)).join(rnd() < 0.5 ? ' ' : ', ')
    out[i] = JSON.stringify({
      id: i,
      first,
      last,
      email: `${first}.${last}@${pick(DOMAINS)}`,
      ts: 1_700_000_000_000 + Math.floor(rnd() * 3e10),
      tags: Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pick(TAGS)),
      items,
      note,
    })
  }
  return out
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']
const PATHS = ['/api/v1/items/{id}', '/api/v1/users/{id}/orders', '/static/{hex}/app.js', '/login', '/search?q=x&page={id}', '/api/v2/carts/{id}/items/{id}']
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'curl/8.4.0',
]
const STATUS = [200, 200, 200, 200, 201, 204, 301, 304, 404, 500, 503]

/** `n` access-log lines (combined log format, about 200 bytes each); about 1 in 500 is malformed. */
export function makeLogLines(n: number, seed?: number): string[] {
  const rnd = prng(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]
  const out = new Array<string>(n)
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.002) {
      out[i] = `garbage line ${i}`
      continue
    }
    const ip = `10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 64)}.${Math.floor(rnd() * 256)}`
    const path = pick(PATHS)
      .replace(/\{id\}/g, () => String(Math.floor(rnd() * 100000)))
      .replace(/\{hex\}/g, () => Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0') + 'ab')
    const referrer = rnd() < 0.05 ? 'upstream timeout' : 'https://example.com/'
    out[i] = `${ip} - user${Math.floor(rnd() * 500)} [02/Dec/2026:05:${String(i % 60).padStart(2, '0')}:00 +0000] "${pick(METHODS)} ${path} HTTP/1.1" ${pick(STATUS)} ${Math.floor(rnd() * 50000)} "${referrer}" "${pick(AGENTS)}"`
  }
  return out
}

/** `n` small objects `{ a, b }`. */
export function makeSmall(n: number): Array<{ a: number; b: number }> {
  const out = new Array<{ a: number; b: number }>(n)
  for (let i = 0; i < n; i++) out[i] = { a: i, b: i & 7 }
  return out
}

/** Cuts `xs` into chunks of `size`. */
export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size))
  return out
}
