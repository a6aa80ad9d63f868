import {describe, expect, it} from 'vitest'
import {remoteToolOf, selectExecutables} from '../../src/collect/volatile/index.js'
import type {ProcessRecord} from '../../src/parsers/volatile/index.js'

const p = (pid: number, name: string, path?: string): ProcessRecord => ({kind: 'process', pid, name, ...(path ? {path} : {})})

describe('which running executables are copied', () => {
  it('remote-access tools by name or path, and anything under temp or ProgramData folders; pid order', () => {
    const procs = [
      p(900, 'TeamViewer_Service.exe', 'C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe'),
      p(10, 'svchost.exe', 'C:\\Windows\\System32\\svchost.exe'),
      p(20, 'ScreenConnect.WindowsClient.exe', 'C:\\Program Files (x86)\\ScreenConnect Client (1a2b3c4d5e6f7a8b)\\ScreenConnect.WindowsClient.exe'),
      p(30, 'x.exe', 'D:\\Temp\\x.exe'),
      p(40, 'y.exe', 'C:\\Windows\\Temp\\y.exe'),
      p(50, 'z.exe', 'C:\\Users\\bob\\AppData\\Local\\Temp\\z.exe'),
      p(60, 'agent.exe', 'c:\\programdata\\svc\\agent.exe'),
      p(70, 'notepad.exe', 'C:\\Windows\\notepad.exe'),
      p(80, 'bash'),
      p(81, 'sleep'),
      p(82, 'dropper'),
      p(83, 'anydesk'),
    ]
    const linuxPaths = new Map([[80, '/usr/bin/bash'], [81, '/var/tmp/.x/sleep (deleted)'], [82, '/dev/shm/dropper'], [83, '/usr/bin/anydesk']])
    expect(selectExecutables(procs, linuxPaths).map((c) => [c.pid, c.why])).toEqual([
      [20, 'remote-access tool ScreenConnect'],
      [30, 'runs from a temp or ProgramData folder'],
      [40, 'runs from a temp or ProgramData folder'],
      [50, 'runs from a temp or ProgramData folder'],
      [60, 'runs from a temp or ProgramData folder'],
      [81, 'runs from a temp or ProgramData folder'],
      [82, 'runs from a temp or ProgramData folder'],
      [83, 'remote-access tool AnyDesk'],
      [900, 'remote-access tool TeamViewer'],
    ])
  })

  it('names the tool in process, service and software texts', () => {
    expect(remoteToolOf('AnyDesk.exe')).toBe('AnyDesk')
    expect(remoteToolOf(undefined, 'C:\\Program Files\\ConnectWise Control Client\\x.exe')).toBe('ScreenConnect')
    expect(remoteToolOf('tv_w32.exe')).toBe('TeamViewer')
    expect(remoteToolOf('explorer.exe', 'C:\\Windows\\explorer.exe')).toBeUndefined()
  })
})
