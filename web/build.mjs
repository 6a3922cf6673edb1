// `make pages`: bundles the pages' scripts and stylesheet into file_lambda/pages/assets/,
// each under a name with its content's hash, and writes manifest.json (a page's name ->
// its file) for the server, which serves only the files the manifest names. Then the
// same for `/docs` (the core's Swagger UI, from swagger-ui-dist as package-lock.json
// pins it) into core_service/docs_assets/. `node build.mjs --docs-only` does only that
// (the image's Node stage: no esbuild needed).
import {createHash} from 'node:crypto'
import {copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = join(here, '..', 'file_lambda', 'pages', 'assets')
const docsdir = join(here, '..', 'core_service', 'docs_assets')
const entries = {share: 'src/share.js', request: 'src/request.js', style: 'src/style.css'}

if (!process.argv.includes('--docs-only')) await buildPages()
buildDocs()

async function buildPages() {
  const {build} = await import('esbuild')
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
}

// Swagger UI's files as published (already minified), each renamed with its content's
// hash so the core can let browsers keep it for a year.
function buildDocs() {
  const dist = join(here, 'node_modules', 'swagger-ui-dist')
  const files = {
    'swagger-ui-bundle.js': join(dist, 'swagger-ui-bundle.js'),
    'swagger-ui.css': join(dist, 'swagger-ui.css'),
    'favicon.png': join(dist, 'favicon-32x32.png'),
    'docs.js': join(here, 'src', 'docs.js'),
  }
  rmSync(docsdir, {recursive: true, force: true})
  mkdirSync(docsdir, {recursive: true})
  const manifest = {}
  for (const [name, source] of Object.entries(files)) {
    const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12)
    const dot = name.lastIndexOf('.')
    const file = `${name.slice(0, dot)}-${hash}${name.slice(dot)}`
    copyFileSync(source, join(docsdir, file))
    manifest[name] = file
  }
  const {version} = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'))
  manifest.version = version
  writeFileSync(join(docsdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  console.log(`docs: swagger-ui-dist ${version} in ${relative(process.cwd(), docsdir)}`)
}
