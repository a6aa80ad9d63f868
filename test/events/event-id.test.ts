import {createHash} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {makeEventId} from '../../src/events/types.js'

describe('makeEventId', () => {
  it('is the first 16 hex of SHA-256 over the NUL-joined locator, type, time and discriminator (a contract)', () => {
    const ref = (parts: (string | number)[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16)
    const ev = {member: 'Windows/System32/winevt/Logs/Security.evtx', sha256: 'ab'.repeat(32), offset: 4096, record: 7}
    expect(makeEventId(ev, 'logon.success', '2024-01-01T00:00:00.0000000Z')).toBe(ref([ev.member, ev.sha256, 4096, 7, '', 'logon.success', '2024-01-01T00:00:00.0000000Z', '']))
    expect(makeEventId({member: 'ProgramData/AnyDesk/ad_svc.trace', sha256: 's', line: 12}, 'remote_access.session_start', '2024-01-01T00:00:00.0000000Z', 'file:1'))
      .toBe(ref(['ProgramData/AnyDesk/ad_svc.trace', 's', '', '', 12, 'remote_access.session_start', '2024-01-01T00:00:00.0000000Z', 'file:1']))
    // non-ASCII hashes as UTF-8, as before
    expect(makeEventId({member: 'Users/jösé/日本.txt', sha256: 's', record: 'r😀\ud800'}, 't', 'd')).toBe(ref(['Users/jösé/日本.txt', 's', '', 'r😀\ud800', '', 't', 'd', '']))
    expect(makeEventId({member: 'm', sha256: 's'}, 't', 'd')).toMatch(/^[0-9a-f]{16}$/)
  })
})
