#!/usr/bin/env node
// `npm run test:node-versions`: runs the tests that must hold on every
// supported Node under the official binaries of Node 22, 24 and 26, which it
// installs from the npm registry (the `node-<os>-<arch>` packages, pinned in
// NODES below) into target/node-versions/<version>/.
//
//   node scripts/node-versions.mjs                  all versions
//   node scripts/node-versions.mjs 24 26            some of them
//   node scripts/node-versions.mjs --full=24        the full ava suite under 24 (default: 24, `--full=` for none)
//   node scripts/node-versions.mjs --vectors        also regenerate crates/vmath/tests/data/v8-*.bin
//   node scripts/node-versions.mjs --install-only   install the binaries, run nothing
//
// Each version runs ava on SPECS (the pow exactness sweep and load test, the
// kernel differential and property tests); the --full one runs every spec.
// The machine's own node runs the full suite in `npm test`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The Node versions tested, by major: the newest release of each line when pinned. */
export const NODES = /** @type {const} */ ({ 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' })

/** The newest LTS: the one that runs the full ava suite by default. */
const FULL_DEFAULT = '24'

/** The specs every version runs. */
const SPECS = ['__test__/node-versions.spec.ts', '__test__/kernel-differential.spec.ts', '__test__/kernel-property.spec.ts']

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const INSTALL_DIR = join(ROOT, 'target', 'node-versions')

/**
 * The node binary of release `version`, installed from the npm registry if absent.
 * @param {string} version e.g. '24.22.3', or a major listed in NODES ('24')
 * @returns {string} the path of its `node` executable
 */
export function nodeBinary(version) {
  const full = /** @type {Record<string, string>} */ (NODES)[version] ?? version
  const pkg = `node-${process.platform}-${process.arch}`
  const dir = join(INSTALL_DIR, full)
  const bin = join(dir, 'node_modules', pkg, 'bin', 'node')
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true })
    console.log(`== installing ${pkg}@${full} into ${dir}`)
    const r = spawnSync(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dir, `${pkg}@${full}`],
      { stdio: 'inherit' },
    )
    if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not install ${pkg}@${full} (npm exited ${r.status})`)
  }
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
  if (v !== `v${full}`) throw new Error(`${bin} reports ${v}, expected v${full}`)
  return bin
}

/**
 * Runs `args` under `bin` with its directory first on PATH (so a test that
 * spawns `node` by name gets the same one); returns [ok, seconds].
 * @param {string} bin
 * @param {string[]} args
 * @returns {[boolean, number]}
 */
function runUnder(bin, args) {
  const started = Date.now()
  const env = { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH ?? ''}` }
  const r = spawnSync(bin, args, { cwd: ROOT, stdio: 'inherit', env })
  return [r.status === 0 && r.signal === null, (Date.now() - started) / 1000]
}

function main() {
  const argv = process.argv.slice(2)
  const fullArg = argv.find((a) => a.startsWith('--full'))
  const full = fullArg === undefined ? FULL_DEFAULT : fullArg.split('=')[1] ?? FULL_DEFAULT
  const majors = argv.filter((a) => !a.startsWith('-'))
  const versions = majors.length ? majors : Object.keys(NODES)
  for (const m of versions) if (!(m in NODES)) throw new Error(`unknown Node line ${m}: pinned are ${Object.keys(NODES).join(', ')}`)
  const bins = versions.map((m) => /** @type {const} */ ([m, nodeBinary(m)]))
  if (argv.includes('--install-only')) return
  const ava = join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  /** @type {Array<[string, string, boolean, number]>} */
  const results = []
  for (const [m, bin] of bins) {
    if (argv.includes('--vectors')) {
      const [ok, s] = runUnder(bin, ['crates/vmath/tests/gen_vectors.mjs'])
      results.push([m, 'vectors', ok, s])
    }
    const files = m === full ? [] : SPECS
    console.log(`\n== Node ${NODES[/** @type {keyof typeof NODES} */ (m)]}: ava ${files.length ? files.join(' ') : '(full suite)'}`)
    const [ok, s] = runUnder(bin, [ava, ...files])
    results.push([m, files.length ? 'differential + load' : 'full suite', ok, s])
  }
  console.log('\n== summary')
  for (const [m, what, ok, s] of results) console.log(`Node ${m}: ${what}: ${ok ? 'pass' : 'FAIL'} (${s.toFixed(0)} s)`)
  if (results.some((r) => !r[2])) process.exit(1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
