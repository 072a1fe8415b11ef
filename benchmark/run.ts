/**
 * `npm run bench`: runs every benchmark file in turn (or those named on the
 * command line: `npm run bench -- tasks split`). Build the release addon first
 * (`npm install` does). Machine noise is real: compare ratios within one run.
 *
 * Under another node: `npm run bench -- --node 24 tasks map` (a Node line
 * pinned in scripts/node-versions.mjs, installed from the npm registry if
 * absent) or `--node /path/to/node`, or `BENCH_NODE=/path/to/node` (npm
 * overwrites `NODE` with its own node); the run re-executes itself there.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

/** `--node X` / `--node=X` / `BENCH_NODE`, and the other arguments. */
function parseArgs(argv: string[]): { node: string | undefined; rest: string[] } {
  let node = process.env.BENCH_NODE || undefined
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--node') node = argv[++i]
    else if (a.startsWith('--node=')) node = a.slice('--node='.length)
    else rest.push(a)
  }
  return { node, rest }
}

const { node, rest } = parseArgs(process.argv.slice(2))
if (node !== undefined) {
  const nv = (await import(new URL('../scripts/node-versions.mjs', import.meta.url).href)) as { NODES: Record<string, string>; nodeBinary: (v: string) => string }
  const bin = node in nv.NODES || /^\d+\.\d+\.\d+$/.test(node) ? nv.nodeBinary(node) : node
  if (realpathSync(bin) !== realpathSync(process.execPath)) {
    const r = spawnSync(bin, [...process.execArgv, fileURLToPath(import.meta.url), ...rest], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_NODE: '' },
    })
    process.exit(r.status ?? 1)
  }
}

const ALL = ['tasks', 'map', 'reduce', 'split', 'memo', 'workers']
const wanted = rest.filter((a) => !a.startsWith('-'))
const names = wanted.length ? wanted : ALL

console.log(`node ${process.version} (V8 ${process.versions.v8}), ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`)
for (const name of names) {
  const url = new URL(`./${name}.ts`, import.meta.url)
  if (!existsSync(url)) {
    console.log(`\n(skipping ${name}: benchmark/${name}.ts does not exist)`)
    continue
  }
  console.log(`\n# ${name}`)
  const mod = (await import(url.href)) as { main: () => Promise<void> }
  await mod.main()
}
