import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ntfsMft, ntfsUsnJrnl} from '../../src/analyze/plugins/ntfs.js'
import {loadRules} from '../../src/detect/data.js'
import {IocIndex} from '../../src/detect/ioc/matcher.js'
import {parseIocText} from '../../src/detect/ioc/load.js'
import {EventMatcher} from '../../src/detect/ioc/event-match.js'
import {compileRule} from '../../src/detect/rule-eval.js'
import {buildMft} from '../parsers/ntfs/build-mft.js'
import {loadNtfsIndex, samplePath, sharedNtfsDir, SKIP_MESSAGE} from '../parsers/ntfs/shared.js'
import {runPlugin} from './run-plugin.js'

let tmp = ''
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-ntfs-plugin-'))
})
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

const tree = [
  {entry: 30, parent: 5, parentSequence: 5, name: 'Users', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 31, parent: 30, name: 'bob', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 32, parent: 31, name: 'Downloads', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 33, parent: 5, parentSequence: 5, name: 'Windows', dir: true, siCreated: '2024-01-01T00:00:00Z'},
  {entry: 40, parent: 32, name: 'AnyDesk.exe', siCreated: '2024-05-14T09:12:33Z'},
  {entry: 41, parent: 32, name: 'tool.exe', siCreated: '2019-03-19T07:31:09Z', fnCreated: '2024-05-14T09:20:00Z'},
  {entry: 42, parent: 33, name: 'notepad.exe', siCreated: '2019-03-19T07:31:09Z', fnCreated: '2024-05-14T09:20:00Z'},
]

describe('ntfs.mft plugin', () => {
  it('maps interesting folders only (whole volume with mftAllFiles), with $SI and $FN events', async () => {
    const file = path.join(tmp, '$MFT')
    fs.writeFileSync(file, buildMft(tree))
    const {events, diagnostics} = await runPlugin(ntfsMft, file, 'files/C/$MFT', {originalPath: 'C:\\$MFT'})
    const anydesk = events.filter((e) => e.file_name === 'C:\\Users\\bob\\Downloads\\AnyDesk.exe')
    // $SI and $FN times coincide here: one event each, all four meanings in it.
    expect(anydesk.map((e) => [e.event_type, e.timestamp_desc, e.user])).toEqual([
      ['file.created', '$SI Created, Modified, MFT entry changed, Accessed', 'bob'],
      ['file.created', '$FN Created, Modified, MFT entry changed, Accessed', 'bob'],
    ])
    expect(events.some((e) => e.file_name?.includes('notepad.exe'))).toBe(false)
    expect(diagnostics.some((d) => d.code === 'NTFS_MFT_PATHS_NOT_MAPPED')).toBe(true)
    const all = await runPlugin(ntfsMft, file, 'files/C/$MFT', {mftAllFiles: true})
    expect(all.events.some((e) => e.file_name === '\\Windows\\notepad.exe')).toBe(true)
  })

  it('the timestomping rule fires on an executable whose $SI creation precedes its $FN creation, only there', async () => {
    const file = path.join(tmp, 'stomp', '$MFT')
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, buildMft(tree))
    const {events} = await runPlugin(ntfsMft, file, 'files/C/$MFT', {mftAllFiles: true})
    const rule = loadRules().find((r) => r.data.id === 'timestomped-executable')!.data
    const test = compileRule(rule)!
    const hits = new Set(events.filter((e) => test.types.has(e.event_type) && test.test(e)).map((e) => e.file_name))
    expect([...hits].sort()).toEqual(['\\Users\\bob\\Downloads\\tool.exe', '\\Windows\\notepad.exe'])
  })

  it('IOC file names match the events', async () => {
    const file = path.join(tmp, 'ioc', '$MFT')
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, buildMft(tree))
    const {events} = await runPlugin(ntfsMft, file, 'files/C/$MFT')
    const m = new EventMatcher(new IocIndex(parseIocText('tool.exe\n', 'iocs.txt').indicators))
    expect(events.filter((e) => m.match(e).length > 0).length).toBeGreaterThan(0)
  })
})

const dir = sharedNtfsDir()
if (!dir) console.warn(SKIP_MESSAGE)

describe.skipIf(!dir)('ntfs plugins on the generated volume’s $MFT and $J', () => {
  it('$MFT: the AnyDesk download, the ScreenConnect run.cmd and the deleted installer are on the timeline', async () => {
    const {events} = await runPlugin(ntfsMft, path.join(dir!, 'gen_dev_volume.MFT'), 'files/C/$MFT')
    const names = new Set(events.map((e) => e.file_name))
    expect(names.has('\\Users\\bob\\Downloads\\AnyDesk.exe')).toBe(true)
    expect(names.has('\\Users\\bob\\AppData\\Local\\Temp\\ScreenConnect\\23.9.8.8811\\run.cmd')).toBe(true)
    const setup = events.find((e) => e.file_name === '\\Users\\bob\\Downloads\\ScreenConnect.ClientSetup.exe')!
    expect(setup.attributes.deleted).toBe(true)
  })

  it('$J: creates, the rename of system.conf and the deletes, once each', async () => {
    const f = loadNtfsIndex(dir!).find((x) => x.file === 'gen_dev_volume.UsnJrnl_J.gz')!
    const local = await samplePath(dir!, f)
    const {events} = await runPlugin(ntfsUsnJrnl, local, 'files/C/$Extend/$UsnJrnl%3A$J')
    const key = (t: string, n: string): number => events.filter((e) => e.event_type === t && e.file_name === n).length
    expect(key('file.created', 'AnyDesk.exe')).toBe(1)
    expect(key('file.deleted', 'ScreenConnect.ClientSetup.exe')).toBe(1)
    expect(key('file.deleted', 'notes.txt')).toBe(1)
    expect(key('file.renamed', 'system.conf')).toBe(1)
    expect(key('file.renamed', 'system.conf.tmp')).toBe(1)
  })
})
