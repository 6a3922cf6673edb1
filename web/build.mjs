// `make pages`: bundles the pages' scripts and stylesheet into file_lambda/pages/assets/,
// each under a name with its content's hash, and writes manifest.json (a page's name ->
// its file) for the server, which serves only the files the manifest names.
import {build} from 'esbuild'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = join(here, '..', 'file_lambda', 'pages', 'assets')
const entries = {share: 'src/share.js', request: 'src/request.js', style: 'src/style.css'}

rmSync(outdir, {recursive: true, force: true})
mkdirSync(outdir, {recursive: true})
const result = await build({
  absWorkingDir: here,
  entryPoints: entries,
  entryNames: '[name]-[hash]',
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
})
const manifest = {}
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (!meta.entryPoint) continue
  const name = Object.keys(entries).find((key) => entries[key] === meta.entryPoint)
  manifest[`${name}${output.endsWith('.css') ? '.css' : '.js'}`] = basename(output)
}
writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
console.log(`pages: ${Object.values(manifest).join(', ')} in ${relative(process.cwd(), outdir)}`)
