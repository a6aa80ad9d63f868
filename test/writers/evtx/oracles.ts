import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

/**
 * Independent EVTX readers used as test oracles: libyal's `evtxexport` and python-evtx's `evtx_dump.py`.
 * Each helper returns null when its tool is not installed, so tests can skip with a message.
 */

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).status === 0
}

export const hasEvtxexport = has('evtxexport')
export const hasEvtxDump = has('evtx_dump.py')

/** The Python that has the Evtx module: the interpreter named in evtx_dump.py's shebang. */
function evtxPython(): string {
  const path = spawnSync('sh', ['-c', 'command -v evtx_dump.py'], {encoding: 'utf8'}).stdout.trim()
  const first = readFileSync(path, 'utf8').split('\n', 1)[0]
  if (!first.startsWith('#!')) return 'python3'
  const parts = first.slice(2).trim().split(/\s+/)
  return parts[0].endsWith('/env') ? (parts[1] ?? 'python3') : parts[0]
}

export interface OracleEvent {
  xml: string
  eventId: number
  recordId: number
  timeCreated: string
  provider: string
  channel: string
  /** Data Name → value for named EventData; UserData/unnamed values under their element names or `#n`. */
  data: Record<string, string>
}

const unescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')

function parseEvents(xml: string): OracleEvent[] {
  const blocks = xml.split(/(?=<Event xmlns=)/).filter((b) => b.startsWith('<Event xmlns='))
  return blocks.map((b) => {
    const m = (re: RegExp): string => re.exec(b)?.[1] ?? ''
    const data: Record<string, string> = {}
    for (const d of b.matchAll(/<Data Name="([^"]*)">([\s\S]*?)<\/Data>/g)) data[d[1]] = unescape(d[2])
    let n = 0
    for (const d of b.matchAll(/<Data>([\s\S]*?)<\/Data>/g)) data[`#${n++}`] = unescape(d[1])
    const user = /<UserData>\s*<[^>]+>([\s\S]*?)<\/[^>]+>\s*<\/UserData>/.exec(b)
    if (user) for (const f of user[1].matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)) data[f[1]] = unescape(f[2])
    return {
      xml: b,
      eventId: Number(m(/<EventID[^>]*>(\d+)<\/EventID>/)),
      recordId: Number(m(/<EventRecordID>(\d+)<\/EventRecordID>/)),
      timeCreated: m(/<TimeCreated SystemTime="([^"]*)"/),
      provider: m(/<Provider Name="([^"]*)"/),
      channel: m(/<Channel>([^<]*)<\/Channel>/),
      data,
    }
  })
}

/** Renders with `evtxexport -f xml`; throws with its stderr when it reports a failure. */
export function evtxexportEvents(file: string): OracleEvent[] | null {
  if (!hasEvtxexport) return null
  const r = spawnSync('evtxexport', ['-f', 'xml', file], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  if (r.status !== 0 || /unable to|error/i.test(r.stderr)) throw new Error(`evtxexport failed on ${file}: ${r.stderr}`)
  return parseEvents(r.stdout)
}

export function evtxDumpEvents(file: string): OracleEvent[] | null {
  if (!hasEvtxDump) return null
  const out = execFileSync('evtx_dump.py', [file], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  return parseEvents(out)
}

/** python-evtx's own checksum verification of the file header and every chunk (header and records CRC). */
export function pythonEvtxChecksums(file: string): string | null {
  if (!hasEvtxDump) return null
  const script = [
    'import sys, Evtx.Evtx as E',
    'with E.Evtx(sys.argv[1]) as f:',
    '  h = f.get_file_header()',
    '  out = [str(h.checksum() == h.calculate_checksum())]',
    '  for c in h.chunks():',
    '    out.append(str(c.header_checksum() == c.calculate_header_checksum()) + "/" + str(c.data_checksum() == c.calculate_data_checksum()))',
    '  print(" ".join(out))',
  ].join('\n')
  return execFileSync(evtxPython(), ['-c', script, file], {encoding: 'utf8'}).trim()
}
