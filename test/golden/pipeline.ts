import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {Writable} from 'node:stream'
import {pathToFileURL} from 'node:url'

/**
 * Output-identity harness: runs a built ratchet (any checkout's bin/run.js) over fixed inputs and returns the
 * SHA-256 of every output a speed change must not alter — `evtx dump` JSONL and XML of each shared sample,
 * and events.jsonl, every timeline format and report.html of an analysed image (the demo host; an image
 * of all shared EVTX samples). Used by output-identity.test.ts against digests made with main's code
 * (test/fixtures/golden/*.json, written by make-golden.ts), so "no change in output" is enforced.
 *
 * Outputs that name the run's own folders (the IOC file's path, the case folder) or the checkout (built-in
 * rule files) are normalised first: those prefixes become `<WORK>` and `<REPO>`, and the report's cover
 * fingerprint (a hash over content that includes them) becomes `<FINGERPRINT>`. Nothing else is rewritten.
 */
export type Digests = Record<string, string>

const TIMELINES: [string, string][] = [
  ['csv', 'timeline.csv'],
  ['jsonl', 'timeline.jsonl'],
  ['timesketch-csv', 'timeline.timesketch.csv'],
  ['timesketch-jsonl', 'timeline.timesketch.jsonl'],
]

function sha(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Buffer {
  // exit 3 (partial input) is a normal outcome on damaged samples; anything else fails the harness
  try {
    return execFileSync(process.execPath, [bin, ...args], {maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...env}})
  } catch (e) {
    const err = e as {status?: number; stdout?: Buffer; stderr?: Buffer}
    if (err.status === 3 && err.stdout) return err.stdout
    throw new Error(`ratchet ${args.join(' ')} exited ${err.status}: ${err.stderr?.toString().slice(0, 2000)}`)
  }
}

/**
 * `evtx dump` JSONL (2 threads, what users get by default) and XML (1 thread) digests of every sample. Runs
 * the checkout's built dumpEvtx in this process — the command only hands it stdout — so 44 dumps do not
 * pay 44 start-ups.
 */
export async function evtxDumpDigests(repo: string, samplesDir: string): Promise<Digests> {
  const mod = (await import(pathToFileURL(join(repo, 'dist', 'parsers', 'evtx', 'dump.js')).href)) as {
    dumpEvtx(file: string, out: Writable, opts: {format: 'jsonl' | 'xml'; threads: number; carve: boolean}): Promise<unknown>
  }
  const out: Digests = {}
  for (const name of readdirSync(samplesDir).filter((f) => f.endsWith('.evtx')).sort()) {
    for (const [format, threads] of [['jsonl', 2], ['xml', 1]] as const) {
      const hash = createHash('sha256')
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          hash.update(chunk)
          cb()
        },
      })
      await mod.dumpEvtx(join(samplesDir, name), sink, {format, threads, carve: false})
      out[`evtx-dump/${name}.${format}`] = hash.digest('hex')
    }
  }
  return out
}

/**
 * analyze → hunt → every timeline format (+ one with --tz) → report of the image folder `volume`, into
 * `<work>/case`. `iocs` is an indicator file for hunt (optional).
 */
export function caseDigests(bin: string, work: string, volume: string, iocs?: string): Digests {
  const caseDir = join(work, 'case')
  const env = {SOURCE_DATE_EPOCH: '1700000000'}
  run(bin, ['analyze', volume, '--out', caseDir])
  run(bin, ['hunt', caseDir, ...(iocs ? ['--iocs', iocs] : [])])
  for (const [format, file] of TIMELINES) run(bin, ['timeline', caseDir, '--format', format, '--out', join(caseDir, file)])
  run(bin, ['timeline', caseDir, '--tz', 'America/Chicago', '--type', 'remote_access.*', '--out', join(caseDir, 'timeline.tz.csv')])
  run(bin, ['report', caseDir], env)
  // the checkout's own folder appears where built-in rule files are cited
  const repo = dirname(dirname(bin))
  const norm = (f: string): string => readFileSync(join(caseDir, f), 'utf8').split(work).join('<WORK>').split(repo).join('<REPO>')
  const out: Digests = {'events.jsonl': sha(readFileSync(join(caseDir, 'events.jsonl')))}
  for (const [, file] of TIMELINES) out[file] = sha(readFileSync(join(caseDir, file)))
  out['timeline.tz.csv'] = sha(readFileSync(join(caseDir, 'timeline.tz.csv')))
  out['findings.json'] = sha(norm('findings.json'))
  out['sessions.json'] = sha(norm('sessions.json'))
  out['report.html'] = sha(norm('report.html').replace(/<p class="hash">[0-9a-f]{64}<\/p>/, '<p class="hash"><FINGERPRINT></p>'))
  return out
}

/** The demo host (deterministic by seed) generated into `<work>/host`, then caseDigests. */
export function demoDigests(bin: string, work: string): Digests {
  const host = join(work, 'host')
  run(bin, ['demo', 'generate', host])
  return caseDigests(bin, work, join(host, 'volume'), join(host, 'iocs.txt'))
}

/** An image folder holding every shared EVTX sample as a Windows event log (copied: sources stay untouched). */
export function sharedImageDigests(bin: string, work: string, samplesDir: string): Digests {
  const logs = join(work, 'image', 'Windows', 'System32', 'winevt', 'Logs')
  mkdirSync(logs, {recursive: true})
  for (const name of readdirSync(samplesDir).filter((f) => f.endsWith('.evtx'))) {
    if (!existsSync(join(logs, name))) copyFileSync(join(samplesDir, name), join(logs, name))
  }
  return caseDigests(bin, work, join(work, 'image'))
}
