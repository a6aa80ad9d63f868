#!/usr/bin/env node
// Writes oclif.manifest.json (run by `npm run build`, after tsc). Without a manifest oclif imports every
// command module — and everything they import — on every run, just to list ids and flags: ~0.4 s before
// any work. With it, `--help`/`--version` import no command and a command run imports only its own module.
//
// The manifest is generated from whatever command classes exist in dist/commands (nothing is listed by
// hand), with oclif's own cacheCommand, so new commands need no change here. Rule for commands: import heavy
// modules lazily (inside run()), because generating the manifest imports each command module once here,
// and running a command imports its module (see README "Start-up").
//
// Usage: node bin/oclif-manifest.js [--out FILE]
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function walk(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}

/** Command files under dist/commands and their oclif ids ("evtx dump" is "evtx:dump" in the manifest). */
export function commandFiles(cmdDir = join(root, 'dist', 'commands')) {
  return walk(cmdDir)
    .filter((f) => f.endsWith('.js'))
    .map((file) => {
      const parts = relative(cmdDir, file).replace(/\.js$/, '').split(/[\\/]/).filter((s) => s !== 'index')
      return {file, parts, id: parts.join(':')}
    })
}

/** Builds the manifest object oclif's Plugin reads instead of importing every command. */
export async function buildManifest() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  // oclif's own serializer, resolved from this package's @oclif/core (the one bin/run.js runs)
  const require = createRequire(join(root, 'package.json'))
  const {cacheCommand} = require(join(dirname(require.resolve('@oclif/core/package.json')), 'lib', 'util', 'cache-command.js'))
  const manifest = {commands: {}, version: pkg.version}
  for (const {file, id} of commandFiles()) {
    const mod = await import(pathToFileURL(file).href)
    if (!mod.default) throw new Error(`${relative(root, file)}: no default export (every file under src/commands must export one command)`)
    const cached = await cacheCommand(mod.default, undefined, false)
    manifest.commands[id] = {
      ...cached,
      id,
      pluginAlias: pkg.name,
      pluginName: pkg.name,
      pluginType: 'core',
      isESM: true,
      relativePath: relative(root, file).split(sep),
    }
  }
  return manifest
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const i = args.indexOf('--out')
  const out = i >= 0 ? resolve(args[i + 1]) : join(root, 'oclif.manifest.json')
  const manifest = await buildManifest()
  writeFileSync(out, JSON.stringify(manifest, null, 2) + '\n')
  process.stderr.write(`oclif-manifest: ${Object.keys(manifest.commands).length} commands → ${relative(process.cwd(), out) || out}\n`)
}
