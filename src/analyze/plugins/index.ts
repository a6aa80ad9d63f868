import type {ArtefactParserPlugin} from '../parser-api.js'
import {anydeskConf, anydeskConnectionTrace, anydeskFileTransferTrace, anydeskTrace} from './anydesk.js'
import {evtxPlugin} from './evtx.js'
import {linuxAuthLog, linuxGroup, linuxPasswd, linuxWtmp} from './linux.js'
import {ntfsMft, ntfsUsnJrnl} from './ntfs.js'
import {registryPlugins} from './registry.js'
import {volatileParsedPlugin} from '../../parsers/volatile/plugin.js'
import {
  screenconnectAppExtension,
  screenconnectLaunchParams,
  screenconnectRunDrop,
  screenconnectSecurityDb,
  screenconnectSessionDb,
  screenconnectUserConfig,
  screenconnectUserXml,
} from './screenconnect.js'

/**
 * Every plugin, in match order (the first plugin whose accepts() is true reads the file). Names are the
 * parser names used in artefacts/*.yaml `parsers:` lists.
 */
export const defaultPlugins: ArtefactParserPlugin[] = [
  evtxPlugin,
  screenconnectSessionDb,
  screenconnectSecurityDb,
  screenconnectUserXml,
  screenconnectAppExtension,
  screenconnectRunDrop,
  screenconnectLaunchParams,
  screenconnectUserConfig,
  anydeskConnectionTrace,
  anydeskFileTransferTrace,
  anydeskTrace,
  anydeskConf,
  linuxAuthLog,
  linuxPasswd,
  linuxGroup,
  linuxWtmp,
  volatileParsedPlugin,
  ntfsMft,
  ntfsUsnJrnl,
  ...registryPlugins,
]

/** A member path that looks like a Linux/macOS root (for mounted images without a manifest). */
const LINUX_ROOT = /^(etc|var|home|opt|root|usr|Library)\//

/**
 * Artefact id (artefacts/**.yaml) for a file of a mounted image, which has no manifest: decided by the
 * parser that reads it and the shape of the path.
 */
export function artefactForImageFile(plugin: string, member: string): string {
  const linux = LINUX_ROOT.test(member)
  if (plugin.startsWith('anydesk.')) return linux ? 'linux.remote-access.anydesk' : 'windows.remote-access.anydesk'
  if (plugin === 'screenconnect.launch-params' || plugin === 'screenconnect.user-config' || plugin === 'screenconnect.run-drop') {
    return linux ? 'linux.remote-access.screenconnect-client' : 'windows.remote-access.screenconnect-client'
  }
  if (plugin.startsWith('screenconnect.')) return 'windows.remote-access.screenconnect-server'
  if (plugin === 'evtx') return 'windows.eventlogs.all'
  if (plugin === 'linux.auth-log') return 'linux.logs.auth'
  if (plugin === 'linux.passwd' || plugin === 'linux.group') return 'linux.accounts.passwd-group'
  if (plugin === 'linux.wtmp') return 'linux.logs.wtmp'
  if (plugin === 'ntfs.mft') return 'windows.filesystem.mft'
  if (plugin === 'ntfs.usnjrnl') return 'windows.filesystem.usnjrnl'
  if (plugin === 'registry.amcache') return 'windows.registry.amcache'
  if (plugin === 'registry.ntuser') return 'windows.registry.user-hives'
  if (plugin.startsWith('registry.')) return 'windows.registry.hives'
  return plugin
}
