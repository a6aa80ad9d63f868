import type {NtfsFileRecord, MacbTimes} from '../../parsers/ntfs/json.js'
import type {UsnRecord} from '../../parsers/ntfs/usn.js'
import {EventTypes, type NormalizedEvent} from '../types.js'
import {buildEvent, type MapContext} from './common.js'

/**
 * Paths worth a timeline by default (case-insensitive, volume-relative, "/" separated): what users download
 * and run, temp folders where remote-access tools drop scripts, ProgramData where services keep state, and
 * any ScreenConnect or AnyDesk folder. The whole volume is mapped only when asked.
 */
const INTERESTING = [
  /^\/users\/[^/]+\/(downloads|appdata|desktop|documents)\//i,
  /^\/windows\/temp\//i,
  /^\/programdata\//i,
  /\/[^/]*(screenconnect|anydesk|connectwise)[^/]*\//i,
]

export function interestingPath(path: string): boolean {
  return INTERESTING.some((re) => re.test(path))
}

/** Extensions of files Windows runs directly (the timestomping rule looks at these). */
const EXECUTABLE = /\.(exe|dll|sys|scr|com|ps1|bat|cmd|vbs|js|msi|hta|jar|lnk)$/i

const KINDS: [keyof MacbTimes, string, string][] = [
  ['created', 'Created', EventTypes.FILE_CREATED],
  ['modified', 'Modified', EventTypes.FILE_MODIFIED],
  ['mftModified', 'MFT entry changed', EventTypes.FILE_MFT_CHANGED],
  ['accessed', 'Accessed', EventTypes.FILE_ACCESSED],
]
const MACB_LETTER: Record<string, string> = {modified: 'M', accessed: 'A', mftModified: 'C', created: 'B'}

/** `C:` from the $MFT's original path when known, so paths read as Windows writes them. */
export function volumePrefix(originalPath: string | undefined): string {
  const m = originalPath && /^([A-Za-z]:)/.exec(originalPath)
  return m ? m[1]!.toUpperCase() : ''
}

function userOf(path: string): string | undefined {
  return /^\/users\/([^/]+)\//i.exec(path)?.[1]
}

/**
 * The events of one $MFT name: for $STANDARD_INFORMATION and for $FILE_NAME, one event per distinct time
 * (times that coincide share an event, with every meaning in timestamp_desc and the MACB letters). The event
 * type follows the strongest meaning (created > modified > MFT changed > accessed). The $SI event of an
 * executable whose $SI creation precedes its $FN creation carries `si_created_before_fn_created` (timestomping:
 * tools that backdate a file rewrite $SI through the API; $FN keeps the time the name was created).
 */
export function mapMftName(mc: MapContext, r: NtfsFileRecord, recordSize: number, drive: string): NormalizedEvent[] {
  const out: NormalizedEvent[] = []
  const winPath = drive + r.path.replace(/\//g, '\\')
  const user = userOf(r.path)
  const stomped = !!(r.si?.created && r.fn?.created && r.si.created < r.fn.created && EXECUTABLE.test(r.name ?? ''))
  for (const [attr, times] of [
    ['$SI', r.si],
    ['$FN', r.fn],
  ] as const) {
    if (!times) continue
    const byTime = new Map<string, (keyof MacbTimes)[]>()
    for (const [k] of KINDS) {
      const t = times[k]
      if (t) (byTime.get(t) ?? byTime.set(t, []).get(t)!).push(k)
    }
    for (const [datetime, kinds] of byTime) {
      const first = KINDS.find(([k]) => kinds.includes(k))!
      const desc = kinds.map((k) => KINDS.find(([x]) => x === k)![1]).join(', ')
      const macb = ['modified', 'accessed', 'mftModified', 'created'].map((k) => (kinds.includes(k as keyof MacbTimes) ? MACB_LETTER[k] : '.')).join('')
      const attributes: Record<string, unknown> = {
        ntfs_attribute: attr === '$SI' ? '$STANDARD_INFORMATION' : '$FILE_NAME',
        macb,
        mft_entry: r.entry,
        mft_sequence: r.sequence,
        path: winPath,
        deleted: r.deleted,
        size: r.size ?? undefined,
        si_created: r.si?.created ?? undefined,
        fn_created: r.fn?.created ?? undefined,
      }
      if (r.orphan) attributes.orphan = true
      if (attr === '$SI' && stomped) attributes.si_created_before_fn_created = true
      out.push(
        buildEvent(
          mc,
          'Filesystem',
          {record: r.entry, offset: r.entry * recordSize},
          {
            datetime,
            timestamp_desc: `${attr} ${desc}`,
            message: `${r.deleted ? 'Deleted file' : r.directory ? 'Folder' : 'File'} ${winPath}: ${attr} ${desc.toLowerCase()}`,
            event_type: first[2],
            file_name: winPath,
            user,
            attributes,
          },
          `${attr}:${r.path}`,
        ),
      )
    }
  }
  return out
}

/** USN reasons that make an event, strongest first. */
const USN_EVENTS: [string, string, string][] = [
  ['FILE_CREATE', EventTypes.FILE_CREATED, 'created'],
  ['RENAME_NEW_NAME', EventTypes.FILE_RENAMED, 'renamed to'],
  ['RENAME_OLD_NAME', EventTypes.FILE_RENAMED, 'renamed from'],
  ['FILE_DELETE', EventTypes.FILE_DELETED, 'deleted'],
]

/**
 * The create / rename / delete facts of a $J record. A file's change is journaled several times as its handle
 * accumulates reasons (FILE_CREATE, then FILE_CREATE|DATA_EXTEND, then …|CLOSE); `seen` keeps the first record
 * of each (file, reason, name) so the timeline shows the change once, at the time it began.
 */
export function mapUsnRecord(mc: MapContext, r: UsnRecord, seen: Set<string>): NormalizedEvent[] {
  if (!r.timestamp || r.name === undefined) return []
  const out: NormalizedEvent[] = []
  for (const [reason, type, verb] of USN_EVENTS) {
    if (!r.reasons.includes(reason)) continue
    const key = `${r.entry}-${r.sequence}-${reason}-${r.name}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(
      buildEvent(
        mc,
        'Filesystem',
        {offset: r.offset, record: r.usn},
        {
          datetime: r.timestamp,
          timestamp_desc: `USN ${reason}`,
          message: `${r.fileAttributes !== undefined && r.fileAttributes & 0x10 ? 'Folder' : 'File'} ${verb} (USN journal): ${r.name}`,
          event_type: type,
          file_name: r.name,
          attributes: {
            usn: r.usn,
            reasons: r.reasons,
            mft_entry: r.entry,
            mft_sequence: r.sequence,
            parent_entry: r.parentEntry,
            parent_sequence: r.parentSequence,
            file_attributes: r.fileAttributes,
          },
        },
        reason,
      ),
    )
  }
  return out
}
