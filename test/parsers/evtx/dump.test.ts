import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {Writable} from 'node:stream'
import {afterAll, describe, expect, it} from 'vitest'
import {dumpEvtx} from '../../../src/parsers/evtx/dump.js'
import {parseEvtxBuffer, renderRecordXml} from '../../../src/parsers/evtx/index.js'
import {SKIP_MESSAGE, sharedEvtxDir} from './shared.js'

const dir = sharedEvtxDir()
if (!dir) console.warn(SKIP_MESSAGE)
const d = describe.skipIf(!dir)
const repo = path.resolve(new URL('../../..', import.meta.url).pathname)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-evtx-dump-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

class Sink extends Writable {
  parts: Buffer[] = []
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.parts.push(Buffer.from(chunk))
    cb()
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8')
  }
}

d('evtx dump (library path behind the command)', () => {
  const file = (): string => path.join(dir!, 'evtxrs_sample_with_a_bad_chunk_magic.evtx')

  for (const threads of [1, 2]) {
    it(`jsonl and xml with ${threads} thread(s) equal the in-memory parse, in file order`, async () => {
      const mem = parseEvtxBuffer(new Uint8Array(fs.readFileSync(file())))
      const j = new Sink()
      const rj = await dumpEvtx(file(), j, {format: 'jsonl', threads, carve: false})
      expect(j.text()).toBe(mem.records.map((r) => JSON.stringify(r) + '\n').join(''))
      expect(rj).toMatchObject({records: 270, recovered: 0, errors: 2})
      expect(rj.diagnostics).toEqual(mem.diagnostics)
      const x = new Sink()
      await dumpEvtx(file(), x, {format: 'xml', threads, carve: false})
      expect(x.text()).toBe('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n' + mem.records.map((r) => renderRecordXml(r) + '\n').join('') + '</Events>\n')
    })
  }

  it('--carve adds the recovered records, marked as such', async () => {
    const s = new Sink()
    const r = await dumpEvtx(file(), s, {format: 'jsonl', threads: 1, carve: true})
    expect(r.recovered).toBe(163)
    const lines = s.text().trim().split('\n').map((l) => JSON.parse(l) as {recovered: boolean})
    expect(lines.filter((l) => l.recovered)).toHaveLength(163)
  })
})

d('ratchet evtx dump (CLI exit codes)', () => {
  const run = (...args: string[]): {status: number | null; stdout: string; stderr: string} => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--no-warnings', path.join(repo, 'bin/dev.js'), 'evtx', 'dump', ...args], {
      cwd: repo,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    })
    return {status: res.status, stdout: res.stdout, stderr: res.stderr}
  }

  it('clean file: exit 0, one JSON object per record', () => {
    const r = run(path.join(dir!, 'eas_LM_Remote_Service02_7045.evtx'), '--threads', '1')
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as {eventId: number})
    expect(lines.map((l) => l.eventId)).toEqual([7045, 7045, 7045])
  })

  it('damaged file: records still written, diagnostics on stderr, exit 3', () => {
    const r = run(path.join(dir!, 'evtxrs_sample-with-zero-data-size-event.evtx'), '--format', 'xml')
    expect(r.status).toBe(3)
    expect(r.stdout.match(/<Event xmlns=/g)).toHaveLength(335)
    expect(r.stderr).toMatch(/error EVTX_RECORD_SIZE: .*size 0.*\(chunk 0, record 3, offset 6176\)/)
  })

  it('not EVTX or missing: exit 4', () => {
    const junk = path.join(tmp, 'junk.evtx')
    fs.writeFileSync(junk, 'not an event log'.repeat(1000))
    const r = run(junk)
    expect(r.status).toBe(4)
    expect(r.stderr).toMatch(/E_EVTX_NOT_EVTX/)
    expect(run(path.join(tmp, 'missing.evtx')).status).toBe(4)
  })
})
