import {describe, expect, it} from 'vitest'
import {dumpJson, dumpKeys, Hive, openWithLogs, recoverHive, regLines, REG_HEADER, type DumpKey} from '../../../src/parsers/regf/index.js'
import {loadIndex, readReference, readSample, sharedRegistryDir, SKIP_MESSAGE} from './shared.js'

/**
 * Every shared hive against `hivexregedit --export` (read as is, like hivex: no logs), the damaged ones
 * against what the INDEX notes say a robust parser recovers, and log replay against the spec-based
 * expectations (yarp's Windows-recovered hive byte for byte, regipy's entry and page counts).
 */
const dir = sharedRegistryDir()
if (!dir) console.warn(SKIP_MESSAGE)

/** .reg text as a set of key blocks, value lines sorted (hivexregedit sorts keys and values its own way). */
function blocks(text: string, asciiOnly: boolean): string[] {
  let t = text.replace(/\r/g, '')
  if (asciiOnly) t = t.replace(/[^\x00-\x7f]/g, '?')
  return t
    .split('\n\n')
    .map((b) => b.trim())
    .filter((b) => b.startsWith('['))
    .map((b) => {
      const [head, ...vals] = b.split('\n')
      return [head, ...vals.sort()].join('\n')
    })
    .sort()
}

function regExport(bytes: Uint8Array, prefix: string): string {
  const h = new Hive(bytes)
  let out = REG_HEADER
  for (const r of dumpKeys(h)) out += regLines(prefix, r)
  return out
}

describe.skipIf(!dir)('regf corpus (../shared/samples/registry)', () => {
  const files = dir ? loadIndex(dir) : []
  const hives = files.filter((f) => f.tools?.hivex?.exit_code === 0 && f.tools.hivex.reference)
  it('covers the corpus', () => expect(hives.length).toBeGreaterThan(35))
  for (const f of hives) {
    it(`${f.file}: same keys, value names, types and data as hivexregedit --export`, () => {
      const hx = f.tools!.hivex!
      const prefix = /--prefix '([^']*)'/.exec(hx.command)![1]!
      const ref = readReference(dir!, hx.reference!)
      // hivex prints (extended) ASCII key names as raw bytes, which are not UTF-8: compare those names as '?'.
      const ascii = ref.includes('\ufffd')
      const mine = regExport(readSample(dir!, f.file), prefix)
      expect(blocks(mine, ascii)).toEqual(blocks(ref, ascii))
      if (f.agreement?.consensus) {
        expect(mine.split('\n').filter((l) => l.startsWith('[')).length).toBe(f.agreement.consensus_keys)
      }
    })
  }

  const dump = (name: string, opts: {deleted?: boolean; logs?: string[]} = {}): {keys: DumpKey[]; hive: Hive; diagnostics: string[]} => {
    const o = openWithLogs(readSample(dir!, name), (opts.logs ?? []).map((l) => ({name: l, bytes: readSample(dir!, l)})), name)
    const keys = [...dumpJson(o.hive, {deleted: opts.deleted})]
    return {keys, hive: o.hive, diagnostics: [...o.diagnostics, ...o.hive.diagnostics].map((d) => d.code)}
  }

  it('damaged hives: diagnostics, no crash, at least what the best reference tool recovers', () => {
    const trunc = dump('yarp_TruncatedHive')
    expect(trunc.diagnostics).toContain('REGF_TRUNCATED')
    expect(trunc.keys.length).toBeGreaterThanOrEqual(2)
    const corrupt = dump('plaso_corrupt_sub_key_list.hiv')
    expect(corrupt.diagnostics.length).toBeGreaterThan(0)
    expect(corrupt.keys.length).toBeGreaterThanOrEqual(9) // libregf: 9 keys / 8 values, then it stops
    expect(corrupt.keys.reduce((n, k) => n + k.values.length, 0)).toBeGreaterThanOrEqual(8)
    const badBin = dump('ezreg_SAMBadHBinHeader')
    expect(badBin.keys.map((k) => k.path)).toEqual(dump('ezreg_SAM').keys.map((k) => k.path)) // its undamaged twin
    const garbage = dump('yarp_GarbageHive')
    expect(garbage.diagnostics).toContain('REGF_BASE_CHECKSUM')
    expect(garbage.keys.length).toBeGreaterThanOrEqual(1)
    const layered = dump('yarp_System_Delta') // format 1.6: hivex gives up, libregf reads 586 keys / 820 values
    expect(layered.keys.length).toBe(586)
    expect(layered.keys.reduce((n, k) => n + k.values.length, 0)).toBe(820)
    expect(() => new Hive(readSample(dir!, 'ezreg_NotAHive'))).toThrow(expect.objectContaining({code: 'E_INPUT_FORMAT'}))
  })

  it('new-format logs: the replay equals the hive Windows 10 recovered, in either log order', () => {
    const h = 'yarp_NewDirtyHive1_NewDirtyHive'
    const want = readSample(dir!, 'yarp_NewDirtyHive1_RecoveredHive_Windows10')
    for (const order of [['.LOG1', '.LOG2'], ['.LOG2', '.LOG1']]) {
      const r = recoverHive(readSample(dir!, h), order.map((l) => ({name: h + l, bytes: readSample(dir!, h + l)})))
      expect(r.report).toMatchObject({applied: true, format: 'new', pages: 4, sequence: 5})
      expect(Buffer.compare(r.image.subarray(4096), want.subarray(4096, r.image.length))).toBe(0)
    }
    const d = dump(h, {logs: [h + '.LOG1', h + '.LOG2']})
    expect(d.keys.map((k) => k.path)).toEqual(['', 'Key3', 'Key3\\Key3_1', 'Key3\\Key3_2', 'Key3\\Key3_3'])
    expect(d.keys[1]!.values[0]!.data).toBe('1'.repeat(1440))
    expect(dump(h).keys.map((k) => k.path)).toContain('Key2\\Key2_1') // as is, before replay
  })

  it('old-format log (DIRT vector): key_with_many_subkeys\\1 gone, 5000\\find_me_in_log and 4500 V appear', () => {
    const h = 'yarp_OldDirtyHive_OldDirtyHive'
    const before = new Set(dump(h).keys.map((k) => k.path))
    expect(before.has('key_with_many_subkeys\\1')).toBe(true)
    const after = dump(h, {logs: [h + '.LOG1', h + '.LOG2']})
    const paths = new Set(after.keys.map((k) => k.path))
    expect(paths.has('key_with_many_subkeys\\1')).toBe(false)
    const find = after.keys.find((k) => k.path === 'key_with_many_subkeys\\5000\\find_me_in_log')!
    const win7 = dump('yarp_OldDirtyHive_RecoveredHive_Windows7').keys.find((k) => k.path === find.path)!
    expect(find.last_written).toBe(win7.last_written)
    expect(after.keys.find((k) => k.path === 'key_with_many_subkeys\\4500')!.values).toEqual([{name: 'V', type: 'REG_MULTI_SZ', data: ['a', 'bb', 'ccc']}])
    expect(after.diagnostics).toContain('REGF_LOG_APPLIED')
  })

  it('regipy NTUSER: 23 entries / 132 dirty pages from LOG1, stale LOG2 refused, sequence 588', () => {
    const h = 'regipy_transactions_NTUSER.DAT'
    const r = recoverHive(readSample(dir!, h), ['.LOG1', '.LOG2'].map((l) => ({name: h + l, bytes: readSample(dir!, h + l)})))
    expect(r.report).toMatchObject({applied: true, pages: 132, sequence: 588})
    expect(r.report.entries).toHaveLength(23)
    expect(r.report.logs.find((l) => l.name.endsWith('LOG2'))).toMatchObject({usable: false})
    expect(r.image.length - 4096).toBe(925696)
    expect(dump(h, {logs: [h + '.LOG1', h + '.LOG2']}).keys.length).toBeGreaterThan(dump(h).keys.length + 500)
  })

  it('Amcache: LOG1 then LOG2 by sequence (36-39, stale 27 ends the run); clean hives ignore their logs', () => {
    const h = 'museum_Amcache_Win10_APTSimulatorVM_Amcache.hve'
    const r = recoverHive(readSample(dir!, h), ['.LOG2', '.LOG1'].map((l) => ({name: h + l, bytes: readSample(dir!, h + l)})))
    expect(r.report.entries.map((e) => e.sequence)).toEqual([36, 37, 38, 39])
    expect(r.report.pages).toBe(22)
    for (const [c, logs] of [['museum_Amcache_Win2012R2_StolenSzechuan_Amcache.hve', ['.LOG1', '.LOG2']], ['dfwinreg_NTUSER.DAT', ['.LOG']]] as const) {
      const rc = recoverHive(readSample(dir!, c), logs.map((l) => ({name: c + l, bytes: readSample(dir!, c + l)})))
      expect(rc.report.applied).toBe(false)
      expect(rc.diagnostics.map((d) => d.code)).toEqual(['REGF_LOGS_IGNORED'])
    }
  })

  it('deleted keys and values are carved from free cells (yarp and EZ expectations)', () => {
    const data = dump('yarp_DeletedDataHive', {deleted: true}).keys.filter((k) => k.deleted)
    expect(data.find((k) => k.path === '456')?.values).toEqual([{name: 'v', type: 'REG_SZ', data: '123456', deleted: true}])
    expect(data.flatMap((k) => k.values).some((v) => v.name === 'v2' && v.data === '456')).toBe(true)
    const tree = dump('yarp_DeletedTreeHive', {deleted: true}).keys.filter((k) => k.deleted).map((k) => k.path)
    expect(tree).toEqual(expect.arrayContaining(['1\\2\\3', '1\\2\\3\\4', '1\\2\\3\\4\\5', '1\\2\\3\\4\\New Key #1']))
    const healed = dump('yarp_HealedHive', {deleted: true}).keys.find((k) => k.deleted && k.path === 'cccc')
    expect(healed?.values).toEqual([{name: '123', type: 'REG_SZ', data: 'test', deleted: true}])
    const bags = dump('ezreg_UsrClassDeletedBags.dat', {deleted: true}).keys.filter((k) => k.deleted)
    expect(bags.some((k) => k.path.includes('Shell\\BagMRU'))).toBe(true)
  })

  it('names: emoji key (surrogate pairs), CR LF and NUL in names, case-insensitive layout of 5000 subkeys', () => {
    const h = 'regipy_transactions_NTUSER.DAT'
    expect(dump(h).keys.some((k) => k.path === 'Control Panel\\International\\🌎🌏🌍')).toBe(true)
    const bogus = dump('yarp_BogusKeyNamesHive').keys.map((k) => k.path)
    expect(bogus).toEqual(expect.arrayContaining(['testnew\r\nne', 'testnu\u0000l']))
  })
})
