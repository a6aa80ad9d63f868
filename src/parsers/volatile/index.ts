import * as L from './linux.js'
import type {VolatileParser} from './records.js'
import * as W from './windows.js'

export * from './records.js'
export {decodeOutput} from './text.js'

/**
 * Parser names used by `parser:` in artefacts/<os>/volatile/*.yaml. A definition naming a parser that is not
 * here fails the artefact schema test (test/volatile/definitions.test.ts).
 */
export const VOLATILE_PARSERS: Readonly<Record<string, VolatileParser>> = {
  'windows.process-json': (t, c) => W.parseWinProcessJson(t, c.file),
  'windows.tasklist-csv': (t, c) => W.parseTasklistCsv(t, c.file),
  'windows.net-json': (t, c) => W.parseWinNetJson(t, c.file),
  'windows.netstat-ano': (t, c) => W.parseNetstatAno(t, c.file),
  'windows.local-user-json': (t, c) => W.parseLocalUserJson(t, c.file),
  'windows.net-user': (t, c) => W.parseNetUser(t, c.file),
  'windows.local-group-member-json': (t, c) => W.parseLocalGroupMemberJson(t, c.file),
  'windows.net-localgroup': (t, c) => W.parseNetLocalGroup(t, c.file),
  'windows.query-user': (t, c) => W.parseQueryUser(t, c.file),
  'windows.service-json': (t, c) => W.parseWinServiceJson(t, c.file),
  'windows.schtasks-csv': (t, c) => W.parseSchtasksCsv(t, c.file),
  'windows.dns-cache-json': (t, c) => W.parseDnsCacheJson(t, c.file),
  'windows.ipconfig-displaydns': (t, c) => W.parseIpconfigDisplayDns(t, c.file),
  'windows.arp-a': (t, c) => W.parseArpA(t, c.file),
  'windows.software-json': (t, c) => W.parseSoftwareJson(t, c.file),
  'windows.reg-query': (t, c) => W.parseRegQuery(t, c.file),
  'windows.reg-query-uninstall': (t, c) => W.parseRegQueryUninstall(t, c.file),
  'windows.tzutil': (t) => W.parseTzutil(t),
  'windows.clock-json': (t, c) => W.parseWinClockJson(t, c.file),
  'text.key-value': (t) => W.parseKeyValueLines(t),
  'linux.ps': L.parsePs,
  'linux.ss': L.parseSs,
  'linux.netstat': L.parseNetstatLinux,
  'linux.arp-an': L.parseArpAn,
  'linux.who': L.parseWho,
  'linux.last': L.parseLastF,
  'linux.getent-passwd': L.parseGetentPasswd,
  'linux.getent-group': L.parseGetentGroup,
  'linux.systemctl-units': L.parseSystemctlUnits,
  'linux.ip-addr-json': L.parseIpAddrJson,
  'linux.ip-neigh': L.parseIpNeigh,
  'linux.date-utc': L.parseDateUtc,
}
