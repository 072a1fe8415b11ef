'use strict'
// The work benchmark/workers.ts measures, shared by every contender so that all
// of them run the same code: the single-thread loop, napi-parallel's worker
// engine (which ships each function as source: every function here is
// self-contained, it reads nothing from this module's scope), and the peers'
// worker files (piscina.mjs, tinypool.mjs, workerpool.cjs), which import it.

/** The trivial task: the input back. */
function trivial(x) {
  return x
}

/**
 * Parses one JSON record (about 450 bytes) and transforms it: normalized tags,
 * order total, display name, e-mail domain, ISO day, word statistics of the
 * free-text note. Returns a small object.
 */
function transformRecord(line) {
  const r = JSON.parse(line)
  const tags = []
  for (const t of r.tags) {
    const s = t.trim().toLowerCase()
    if (s.length > 0 && !tags.includes(s)) tags.push(s)
  }
  tags.sort()
  let total = 0
  const skus = {}
  for (const it of r.items) {
    total += it.qty * it.price
    const prefix = it.sku.slice(0, it.sku.indexOf('-'))
    skus[prefix] = (skus[prefix] || 0) + it.qty
  }
  const email = r.email.toLowerCase()
  const counts = new Map()
  let top = ''
  let topCount = 0
  const words = r.note.toLowerCase().split(/[^a-z]+/)
  for (const w of words) {
    if (w.length < 3) continue
    const c = (counts.get(w) || 0) + 1
    counts.set(w, c)
    if (c > topCount || (c === topCount && w < top)) {
      top = w
      topCount = c
    }
  }
  return {
    id: r.id,
    name: `${r.last.toUpperCase()}, ${r.first[0].toUpperCase()}${r.first.slice(1)}`,
    domain: email.slice(email.indexOf('@') + 1),
    day: new Date(r.ts).toISOString().slice(0, 10),
    total: Math.round(total * 100) / 100,
    tags: tags.join(','),
    skus: Object.keys(skus).sort().map((k) => `${k}:${skus[k]}`).join(' '),
    words: counts.size,
    top,
  }
}

/**
 * A regex-heavy job over a chunk of access-log lines: parse each line with a
 * combined-log-format regex, normalize the route (ids, hex, query), classify
 * the user agent, and aggregate. Returns a small summary of the chunk.
 */
function analyzeLog(lines) {
  const LINE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}) - (\S+) \[([^\]]+)\] "([A-Z]+) ([^ "]+) HTTP\/[\d.]+" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/
  const routes = new Map()
  const agents = new Map()
  const subnets = new Set()
  let bytes = 0
  let errors = 0
  let bad = 0
  for (const line of lines) {
    const m = LINE.exec(line)
    if (m === null) {
      bad++
      continue
    }
    subnets.add(`${m[1]}.${m[2]}.${m[3]}`)
    const route = `${m[7]} ${m[8]
      .replace(/\?.*$/, '')
      .replace(/\/[0-9a-f]{8,}(?=\/|$)/g, '/:hex')
      .replace(/\/\d+(?=\/|$)/g, '/:id')}`
    routes.set(route, (routes.get(route) || 0) + 1)
    const status = Number(m[9])
    if (status >= 500 || /timeout|refused/i.test(m[11])) errors++
    bytes += Number(m[10])
    const ua = m[12]
    const agent = /bot|crawler|spider/i.test(ua)
      ? 'bot'
      : /Edg\//.test(ua)
        ? 'edge'
        : /Chrome\//.test(ua)
          ? 'chrome'
          : /Firefox\//.test(ua)
            ? 'firefox'
            : /Safari\//.test(ua)
              ? 'safari'
              : 'other'
    agents.set(agent, (agents.get(agent) || 0) + 1)
  }
  return {
    lines: lines.length,
    bad,
    bytes,
    errors,
    subnets: subnets.size,
    routes: Object.fromEntries(routes),
    agents: Object.fromEntries(agents),
  }
}

/** The cheap function of the `parallelMap` over 1M small objects row. */
function cheap(o) {
  return o.a * 2 + o.b
}

module.exports = { trivial, transformRecord, analyzeLog, cheap }
