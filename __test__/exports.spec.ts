// The public typings and the public runtime exports are the same set of
// names: every value index.d.ts declares exists on require('napi-parallel'),
// and every runtime export is typed. Read with TypeScript's own checker.
import { createRequire } from 'node:module'
import { join } from 'node:path'

import test from 'ava'
import ts from 'typescript'

const root = join(import.meta.dirname, '..')
const requireHere = createRequire(import.meta.url)

/** The exports of `file` that have a value meaning (functions, classes, consts), and those that are types only. */
function typedExports(file: string): { values: string[]; types: string[] } {
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: ['node'] })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  if (source === undefined) throw new Error(`${file} not found`)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`)
  const values: string[] = []
  const types: string[] = []
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    // `export type { X }` re-exports a class as a type only.
    const typeOnly = symbol.declarations?.some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly))
    if (target.flags & ts.SymbolFlags.Value && !typeOnly) values.push(symbol.name)
    else types.push(symbol.name)
  }
  return { values: values.sort(), types: types.sort() }
}

const typed = typedExports(join(root, 'index.d.ts'))
const runtime = Object.keys(requireHere('../index.js')).sort()

test('every value the typings export exists at runtime, and nothing else', (t) => {
  t.deepEqual(typed.values, runtime)
})

test('the typings have no diagnostics', (t) => {
  const program = ts.createProgram([join(root, 'index.d.ts')], { strict: true, noEmit: true, types: ['node'] })
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  t.deepEqual(diagnostics, [])
})

test('ESM named exports equal the CommonJS exports', async (t) => {
  const esm = await import('../index.js')
  // Node 23+ adds a 'module.exports' name to every CommonJS module's
  // namespace (the whole exports object, like 'default'): not one of ours.
  const own = Object.keys(esm).filter((k) => k !== 'default' && k !== 'module.exports')
  t.deepEqual(own.sort(), runtime)
  const ns = esm as unknown as Record<string, unknown>
  if ('module.exports' in ns) t.is(ns['module.exports'], ns.default)
})

test('internal helpers stay internal', (t) => {
  for (const name of ['runTask', 'settled', 'finishing', 'Started', 'internal', 'memoWireFormat', 'NativeMemo']) {
    t.false(typed.values.includes(name), `${name} is typed as public`)
    t.false(runtime.includes(name), `${name} is exported at runtime`)
  }
  // The type-only exports each name a type lib/*.d.ts defines.
  t.true(typed.types.includes('TaskOptions'))
  t.true(typed.types.includes('MemoStats'))
})
