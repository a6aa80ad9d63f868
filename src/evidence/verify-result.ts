import {ExitCode, type ExitCodeValue} from '../core/exit-codes.js'
import type {VerifyReport} from './verify.js'

/** What `ratchet verify --report` and `ratchet triage` write as verify.json: the report without the manifest copy. */
export type VerifyResult = Omit<VerifyReport, 'manifest_data'> & {exit_code: number; files_written: string[]}

export function verifyExitCode(report: Pick<VerifyReport, 'status'>): ExitCodeValue {
  return report.status === 'verified' ? ExitCode.OK : report.status === 'incomplete' ? ExitCode.INCOMPLETE : ExitCode.VERIFY_FAILED
}

export function toVerifyResult(report: VerifyReport, filesWritten: string[]): VerifyResult {
  const {manifest_data: _manifest, ...rest} = report
  return {...rest, exit_code: verifyExitCode(report), files_written: filesWritten}
}
