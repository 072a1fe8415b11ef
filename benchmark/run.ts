/**
 * `npm run bench`: runs every benchmark file in turn (or those named on the
 * command line: `npm run bench -- tasks split`). Build the release addon first
 * (`npm install` does). Machine noise is real: compare ratios within one run.
 */
import { existsSync } from 'node:fs'
import os from 'node:os'

const ALL = ['tasks', 'map', 'split', 'memo']
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = wanted.length ? wanted : ALL

console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`)
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
