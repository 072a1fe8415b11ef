// The package as users install it: the addon's glibc floor, the package.json
// fields npm and Node read, the per-platform package layout, and the load
// error on a platform with no build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import test from 'ava'

import { compareVersions, requiredVersions } from './elf.ts'

const root = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const requireHere = createRequire(import.meta.url)

/** The newest glibc symbol version the addon may need: RHEL 8/9, Amazon Linux 2023, Debian 10 and later. */
const GLIBC_CEILING = '2.28'

const addons = readdirSync(root).filter((f) => f.endsWith('.node'))

test('the addon needs no glibc symbol newer than 2.28', (t) => {
  t.true(addons.length > 0, 'no .node file in the package root: run `npm run build`')
  for (const file of addons) {
    const needs = requiredVersions(readFileSync(join(root, file)))
    const glibc = needs.filter((n) => n.version.startsWith('GLIBC_')).map((n) => n.version.slice('GLIBC_'.length))
    // Every x86-64 glibc program needs the base version: the reader found the table.
    t.true(glibc.includes('2.2.5'), `${file}: ${JSON.stringify(needs)}`)
    const newest = glibc.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b))
    t.true(compareVersions(newest, GLIBC_CEILING) <= 0, `${file} needs GLIBC_${newest}`)
  }
})

test('objdump agrees with the ELF reader on the required versions', (t) => {
  const probe = spawnSync('objdump', ['--version'])
  if (probe.error !== undefined) {
    // binutils is not installed: the test above still checks the floor.
    t.log('objdump not found; the cross-check is skipped')
    t.pass()
    return
  }
  for (const file of addons) {
    const out = spawnSync('objdump', ['-p', join(root, file)], { encoding: 'utf8' })
    t.is(out.status, 0, out.stderr)
    // objdump -p prints "Version References:" then "required from libc.so.6:" and one line per version.
    const fromObjdump = new Set([...out.stdout.matchAll(/0x[0-9a-f]+ 0x\d+ \d+ (\S+)/g)].map((m) => m[1]))
    const fromReader = new Set(requiredVersions(readFileSync(join(root, file))).map((n) => n.version))
    t.deepEqual([...fromReader].sort(), [...fromObjdump].sort())
  }
})

test('package.json: platform fields match the napi targets', (t) => {
  t.deepEqual(pkg.napi.targets, ['x86_64-unknown-linux-gnu'])
  t.deepEqual(pkg.os, ['linux'])
  t.deepEqual(pkg.cpu, ['x64'])
  t.deepEqual(pkg.libc, ['glibc'])
})

test('package.json: the exports map serves require, import, the typings and package.json only', async (t) => {
  t.is(pkg.exports['.'].types, './index.d.ts')
  t.is(requireHere.resolve('napi-parallel'), join(root, 'index.js'))
  t.is(requireHere('napi-parallel'), requireHere('../index.js'))
  t.is(requireHere('napi-parallel/package.json').version, pkg.version)
  const esm = await import('napi-parallel')
  t.is(esm.parallelMap, requireHere('../index.js').parallelMap)
  t.throws(() => requireHere('napi-parallel/lib/task.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
})

test('LICENSE ships with the package', (t) => {
  t.true(pkg.files.includes('LICENSE'))
  t.regex(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License/)
  t.is(pkg.license, 'MIT')
})

test('one npm/<platform> package per napi target, as napi-rs publishes them', (t) => {
  const dirs = readdirSync(join(root, 'npm'))
  t.deepEqual(dirs, ['linux-x64-gnu'])
  const sub = JSON.parse(readFileSync(join(root, 'npm/linux-x64-gnu/package.json'), 'utf8'))
  t.is(sub.name, `${pkg.name}-linux-x64-gnu`)
  t.is(sub.version, pkg.version)
  t.is(sub.main, `${pkg.napi.binaryName}.linux-x64-gnu.node`)
  t.deepEqual([sub.os, sub.cpu, sub.libc], [pkg.os, pkg.cpu, pkg.libc])
  t.true(existsSync(join(root, 'npm/linux-x64-gnu/README.md')))
  // `napi pre-publish` adds the optionalDependencies at publish time.
  t.is(pkg.scripts.prepublishOnly, 'napi pre-publish -t npm')
})

/** Loads the package in a child whose `process.platform`/`arch` are overridden. */
function loadAs(platform: string, arch: string) {
  const script =
    `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });` +
    `Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} });` +
    `try { require(${JSON.stringify(join(root, 'index.js'))}); console.log(JSON.stringify({ loaded: true })) }` +
    `catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, platform: e.platform, supported: e.supported, cause: String(e.cause && e.cause.message) })) }`
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 })
  return { status: out.status, signal: out.signal, result: JSON.parse(out.stdout.trim() || '{}'), stderr: out.stderr }
}

test('an unsupported platform gets an error naming it and the supported ones', (t) => {
  const mac = loadAs('darwin', 'arm64')
  t.is(mac.signal, null)
  t.is(mac.status, 0, mac.stderr)
  t.like(mac.result, { name: 'Error', code: 'ERR_NAPI_PARALLEL_LOAD', platform: 'darwin-arm64', supported: ['linux-x64-gnu'] })
  t.is(
    mac.result.message,
    'napi-parallel has no native build for this platform (darwin-arm64). It ships builds for: linux-x64-gnu.',
  )
  // The loader's own error is kept as the cause, for whoever needs it.
  t.regex(mac.result.cause, /native binding/)
  t.like(loadAs('linux', 'arm64').result, { code: 'ERR_NAPI_PARALLEL_LOAD', platform: 'linux-arm64-gnu' })
})

test('the supported platform loads', (t) => {
  t.deepEqual(loadAs(process.platform, process.arch).result, { loaded: true })
})
