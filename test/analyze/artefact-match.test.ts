import {describe, expect, it} from 'vitest'
import {ArtefactMatcher} from '../../src/analyze/artefact-match.js'

describe('artefact definitions decide what a mounted-image file is', () => {
  it('matches Windows and Linux paths case-insensitively where the OS is', async () => {
    const m = (await ArtefactMatcher.load())!
    expect(m).toBeDefined()
    expect(m.match('programdata/AnyDesk/ad_svc.trace', 'anydesk.trace')).toBe('windows.remote-access.anydesk')
    expect(m.match('Users/alice/AppData/Roaming/AnyDesk/connection_trace.txt', 'anydesk.connection-trace')).toBe('windows.remote-access.anydesk')
    expect(m.match('Program Files (x86)/ScreenConnect/App_Data/Session.db', 'screenconnect.session-db')).toBe('windows.remote-access.screenconnect-server')
    expect(m.match('Windows/System32/winevt/Logs/Security.evtx', 'evtx')).toBe('windows.eventlogs.all')
    expect(m.match('Windows/System32/config/systemprofile/AppData/Local/ScreenConnect Client (d33f78b4994b28a6)/user.config', 'screenconnect.user-config')).toBe('windows.remote-access.screenconnect-client')
    expect(m.match('Windows/Temp/ScreenConnect/23.9.8.8811/abcrun.cmd', 'screenconnect.run-drop')).toBe('windows.remote-access.screenconnect-client')
    expect(m.match('etc/passwd', 'linux.passwd')).toBe('linux.accounts.passwd-group')
    expect(m.match('var/log/auth.log', 'linux.auth-log')).toBe('linux.logs.auth')
    expect(m.match('Users/alice/notes.txt', 'none')).toBeUndefined()
  })
})
