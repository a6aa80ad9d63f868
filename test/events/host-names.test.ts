import {describe, expect, it} from 'vitest'
import {foldHostNames, shortHost} from '../../src/events/host-names.js'

describe('host names', () => {
  it('a bare name that an FQDN of the same list covers is one machine, whatever the case', () => {
    expect(foldHostNames(['RXSRV01', 'rxsrv01.northwind-rx.local'])).toEqual(['rxsrv01.northwind-rx.local'])
  })
  it('different machines, and a bare name no FQDN covers, stay', () => {
    expect(foldHostNames(['WS01', 'RXSRV01.corp.local', 'RXSRV02'])).toEqual(['WS01', 'RXSRV01.corp.local', 'RXSRV02'])
    expect(foldHostNames(['A.corp.local', 'A.other.local'])).toEqual(['A.corp.local', 'A.other.local'])
  })
  it('shortHost is the first label, lower case', () => {
    expect(shortHost('RXSRV01.Corp.Local')).toBe('rxsrv01')
    expect(shortHost(undefined)).toBe('')
  })
})
