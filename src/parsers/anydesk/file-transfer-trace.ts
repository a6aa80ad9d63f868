/**
 * `file_transfer_trace.txt`: UTF-16LE (sniffed by the caller), tab-separated with a variable number of tabs,
 * UTC, minute resolution: `File Manager<TAB>2024-11-08, 16:30<TAB>start <TAB>upload  <TAB>'name' (~0 B out of 443.99 MiB)`.
 */
export interface FileTransferLine {
  source: string
  date: string
  time: string
  action: string
  direction: string
  fileName: string
  /** `~0 B out of 443.99 MiB` as written. */
  sizeText?: string
}

export function parseFileTransferLine(text: string): FileTransferLine | undefined {
  const cols = text.split('\t').map((c) => c.trim()).filter((c) => c !== '')
  if (cols.length < 5) return undefined
  const dm = /^(\d{4}-\d{2}-\d{2}),?\s+(\d{1,2}:\d{2})$/.exec(cols[1]!)
  if (!dm) return undefined
  const tail = cols.slice(4).join('\t')
  const fm = /^'(.*)'\s*(?:\((.*)\))?\s*$/.exec(tail)
  const rec: FileTransferLine = {
    source: cols[0]!,
    date: dm[1]!,
    time: dm[2]!.padStart(5, '0'),
    action: cols[2]!,
    direction: cols[3]!,
    fileName: fm ? fm[1]! : tail,
  }
  if (fm?.[2]) rec.sizeText = fm[2]
  return rec
}
