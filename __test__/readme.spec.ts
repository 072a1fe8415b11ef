// Every ```js block of README.md runs as written, as an ES module that
// imports the package by name, and prints what its `//=> …` comments say.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

const root = join(import.meta.dirname, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

interface Block {
  line: number
  code: string
}

/** The ```js fenced blocks of `markdown`, with the line each starts on. */
function jsBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```js') continue
    const start = i + 1
    while (++i < lines.length && lines[i] !== '```');
    blocks.push({ line: start + 1, code: lines.slice(start, i).join('\n') })
  }
  return blocks
}

/** The output each `console.log(…) //=> expected` line promises, in order. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/console\.log\(.*\/\/=> (.*)$/gm)].map((m) => m[1].trim())
}

const blocks = jsBlocks(readme)

test('README has runnable examples', (t) => {
  t.true(blocks.length >= 4)
  for (const b of blocks) t.regex(b.code, /from 'napi-parallel'/, `block at line ${b.line} does not import the package`)
})

for (const block of blocks) {
  test(`README.md:${block.line} runs as written`, (t) => {
    // `--input-type=module -e` from the package root: `import 'napi-parallel'`
    // resolves through the package's own exports map, as in a user's app.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', block.code], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
    t.is(run.signal, null, run.stderr)
    t.is(run.status, 0, run.stderr)
    t.is(run.stderr, '')
    const printed = run.stdout.trimEnd().split('\n').filter((l) => l !== '')
    t.deepEqual(printed, expectedOutput(block.code))
  })
}
