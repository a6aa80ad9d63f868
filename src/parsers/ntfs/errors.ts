/**
 * Damage inside an NTFS structure that makes one structure unusable (not the whole input): the caller turns
 * it into a Diagnostic with the code and offset and goes on with the next record, run or block.
 */
export class NtfsDamage extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly offset?: number,
  ) {
    super(message)
    this.name = 'NtfsDamage'
  }
}
