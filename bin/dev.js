#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the TypeScript sources directly (no build step) for development. oclif.manifest.json (from the build)
// is ignored here: it lists the commands of the last build, not those of the sources being edited.
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execute} from '@oclif/core'

await execute({development: true, loadOptions: {root: dirname(dirname(fileURLToPath(import.meta.url))), ignoreManifest: true}})
