import {describe, expect, it} from 'vitest'
import {REDACTED, redactSecrets} from '../../src/report/redact.js'

describe('passwords typed on command lines are not printed in the report', () => {
  it('hides the password of net user … /add and of echo … | AnyDesk --set-password', () => {
    expect(redactSecrets('net user itsupport S3cret! /add\r\nnet localgroup administrators itsupport /add')).toBe(`net user itsupport ${REDACTED} /add\r\nnet localgroup administrators itsupport /add`)
    expect(redactSecrets('NET1.EXE user "help desk" "p w" /add')).toBe(`NET1.EXE user "help desk" ${REDACTED} /add`)
    expect(redactSecrets('echo hunter2 | "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password')).toBe(`echo ${REDACTED} | "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe" --set-password`)
  })
  it('leaves commands without a password as they are', () => {
    for (const t of ['net user', 'net user bob /delete', 'net user bob * /add', 'net localgroup administrators bob /add', 'echo hello | more', 'cmd.exe /c whoami']) expect(redactSecrets(t)).toBe(t)
    expect(redactSecrets(undefined)).toBeUndefined()
    // text another layer already redacted is not redacted again
    for (const t of ['net user x [REDACTED sha256:0123456789ab…] /add', 'echo [REDACTED sha256:0123456789ab…] | AnyDesk.exe --set-password']) expect(redactSecrets(t)).toBe(t)
  })
})

describe('password flags are words on their own (issue 13: events.jsonl is redacted too, so no false positives)', () => {
  it('-path, -pwd and --passwords are left alone; -p x, --password=x and /p:x are redacted', async () => {
    const {redactCommand, redactionMark} = await import('../../src/core/redact.js')
    expect(redactCommand('Get-ChildItem -path C:\\Users -pwd')).toBe('Get-ChildItem -path C:\\Users -pwd')
    expect(redactCommand('tool --passwords-file x')).toBe('tool --passwords-file x')
    expect(redactCommand('tool -p s3cret')).toBe(`tool -p ${redactionMark('s3cret')}`)
    expect(redactCommand('tool --password=s3cret')).toBe(`tool --password=${redactionMark('s3cret')}`)
    expect(redactCommand('psexec /p:s3cret')).toBe(`psexec /p:${redactionMark('s3cret')}`)
  })
})
