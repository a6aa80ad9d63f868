/**
 * One machine is named two ways in its own evidence: event logs write the FQDN (`RXSRV01.corp.local`,
 * System/Computer), the SYSTEM hive and NetBIOS tools the bare name (`RXSRV01`). A bare name is the FQDN's
 * first label, compared case-insensitively.
 */
export const shortHost = (h: string | undefined): string => (h ?? '').split('.')[0]!.toLowerCase()

/** Host names with every bare name dropped that a fully qualified name in the same list already covers. */
export function foldHostNames(hosts: Iterable<string>): string[] {
  const all = [...new Set(hosts)]
  const qualified = new Set(all.filter((h) => h.includes('.')).map(shortHost))
  return all.filter((h) => h.includes('.') || !qualified.has(shortHost(h)))
}
