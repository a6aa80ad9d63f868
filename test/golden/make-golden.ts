/**
 * Writes the golden digests of output-identity.test.ts from a built checkout (normally main before a speed
 * change): `npx tsx test/golden/make-golden.ts --repo <checkout with dist/ built>`. Writes
 * test/fixtures/golden/demo.json always, and shared-evtx.json / shared-image.json when ../shared is present.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {sharedEvtxDir} from '../parsers/evtx/shared.js'
import {demoDigests, evtxDumpDigests, sharedImageDigests, type Digests} from './pipeline.js'

const argv = process.argv.slice(2)
const at = argv.indexOf('--repo')
const repo = resolve(at >= 0 ? argv[at + 1]! : '.')
const bin = join(repo, 'bin', 'run.js')
const outDir = resolve(import.meta.dirname, '..', 'fixtures', 'golden')
const write = (name: string, d: Digests): void => {
  writeFileSync(join(outDir, name), JSON.stringify(d, null, 2) + '\n')
  console.log(`${name}: ${Object.keys(d).length} digests`)
}
const work = mkdtempSync(join(tmpdir(), 'ratchet-golden-'))
try {
  write('demo.json', demoDigests(bin, join(work, 'demo')))
  const shared = sharedEvtxDir()
  if (shared) {
    write('shared-evtx.json', await evtxDumpDigests(repo, shared))
    write('shared-image.json', sharedImageDigests(bin, join(work, 'shared'), shared))
  } else console.log('shared samples absent: only demo.json written')
} finally {
  rmSync(work, {recursive: true, force: true})
}
