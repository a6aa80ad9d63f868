import {stat} from 'node:fs/promises'
import {RatchetError, errorMessage} from '../core/errors.js'
import type {Diagnostic} from '../core/diagnostics.js'
import {hashFile} from '../evidence/hash-file.js'
import type {ImageSourceFacts} from '../evidence/manifest-types.js'
import {openImage, selectNtfsVolume} from '../parsers/image/open.js'
import {openRawNtfsVolume} from '../parsers/image/raw-volume.js'
import {NtfsDamage} from '../parsers/ntfs/errors.js'
import {NtfsVolume} from '../parsers/ntfs/volume.js'
import type {ByteSource} from '../parsers/image/types.js'
import {NtfsTree} from './ntfs-tree.js'

/** A disk image opened for `collect --image`: the NTFS tree to collect from and what the manifest records. */
export interface ImageCollectSource {
  tree: NtfsTree
  facts: ImageSourceFacts
  /** Container damage: found at open, and (EWF) met while reading; the collection reports it at the end. */
  diagnostics: Diagnostic[]
  close(): void
}

function openNtfs(source: ByteSource, where: string): NtfsVolume {
  try {
    return NtfsVolume.open(source)
  } catch (e) {
    if (e instanceof NtfsDamage) throw new RatchetError('E_INPUT_FORMAT', `${where}: no readable NTFS volume: ${e.message}`, {file: where})
    throw e
  }
}

/**
 * Opens the image (raw, E01, VHDX, VHD), picks its NTFS volume (`partition` or the only one) and hashes every
 * file the image is made of, so the manifest says exactly which evidence the collection was read from.
 */
export async function openImageSource(path: string, partition?: number): Promise<ImageCollectSource> {
  const img = openImage(path)
  try {
    const v = selectNtfsVolume(img, partition)
    const tree = new NtfsTree(openNtfs(v.source, path))
    const files: ImageSourceFacts['files'] = []
    for (const f of img.files) {
      const h = await hashFile(f).catch((e: unknown) => {
        throw new RatchetError('E_INPUT_READ', `cannot hash image file ${f}: ${errorMessage(e)}`, {file: f})
      })
      files.push({path: f, size: (await stat(f)).size, sha256: h.sha256})
    }
    const facts: ImageSourceFacts = {
      path,
      container: img.container,
      files,
      media_size: img.media.size,
      ...(v.partition ? {partition: v.partition.number} : {}),
      volume_offset: v.offset,
    }
    return {tree, facts, diagnostics: img.diagnostics, close: () => img.close()}
  } catch (e) {
    img.close()
    throw e
  }
}

/** The raw volume of a live Windows drive (`\\.\C:`), read with the same NTFS code; for locked files. */
export function openRawVolumeTree(devicePath: string): {tree: NtfsTree; close: () => void} {
  const src = openRawNtfsVolume(devicePath)
  try {
    return {tree: new NtfsTree(openNtfs(src, devicePath)), close: () => src.close()}
  } catch (e) {
    src.close()
    throw e
  }
}
