import type {ArtefactParserPlugin} from '../parser-api.js'
import {anydeskConf, anydeskConnectionTrace, anydeskFileTransferTrace, anydeskTrace} from './anydesk.js'
import {evtxPlugin} from './evtx.js'
import {linuxAuthLog, linuxPasswd} from './linux.js'
import {
  screenconnectAppExtension,
  screenconnectConfig,
  screenconnectLaunchParametersTxt,
  screenconnectRunDrop,
  screenconnectSecurityDb,
  screenconnectSessionDb,
  screenconnectUserXml,
} from './screenconnect.js'

/** Every plugin, in match order (the first plugin whose accepts() is true reads the file). */
export const defaultPlugins: ArtefactParserPlugin[] = [
  evtxPlugin,
  screenconnectSessionDb,
  screenconnectSecurityDb,
  screenconnectUserXml,
  screenconnectAppExtension,
  screenconnectRunDrop,
  screenconnectLaunchParametersTxt,
  screenconnectConfig,
  anydeskConnectionTrace,
  anydeskFileTransferTrace,
  anydeskTrace,
  anydeskConf,
  linuxAuthLog,
  linuxPasswd,
]

/** Artefact id guessed from a plugin for files without a manifest (mounted images). */
export const artefactForPlugin: Record<string, string> = {
  evtx: 'windows.eventlogs',
  'screenconnect.session_db': 'screenconnect.server',
  'screenconnect.security_db': 'screenconnect.server',
  'screenconnect.user_xml': 'screenconnect.server',
  'screenconnect.app_extension': 'screenconnect.server',
  'screenconnect.run_drop': 'screenconnect.client',
  'screenconnect.launch_parameters': 'screenconnect.client',
  'screenconnect.config': 'screenconnect.client',
  'anydesk.connection_trace': 'anydesk',
  'anydesk.file_transfer_trace': 'anydesk',
  'anydesk.trace': 'anydesk',
  'anydesk.conf': 'anydesk',
  'linux.auth_log': 'linux.auth',
  'linux.passwd': 'linux.accounts',
}
