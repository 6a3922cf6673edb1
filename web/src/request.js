// The request page (`/files/r/{token}`): an outsider sends files into a file request.
// Uppy uploads them in parts straight to S3 through the public request's Companion
// endpoints (multipart only), and Golden Retriever resumes them after a reload. The page
// shows nothing but the files this browser added: the API never lists a request's files
// to the public, and the page never asks.
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'
import GoldenRetriever from '@uppy/golden-retriever'
import {
  Problem, call, explain, formatDate, formatSize, grants, h, linkToken, passwordForm, say,
  show, showProblem, status,
} from './common.js'

const KIND = 'request'
const token = linkToken()
const api = `/files/public/requests/${encodeURIComponent(token)}`
const companion = `${location.origin}${api}`

async function start() {
  let request
  try {
    request = await call(api, {grant: grants.get(KIND, token)})
    if (request.password_required && !grants.get(KIND, token)) {
      const grant = await passwordForm(KIND, api, token, request.title || 'A file request')
      request = await call(api, {grant})
    }
  } catch (problem) {
    showProblem(problem)
    return
  }
  sendGrantToCompanion()
  render(request, await uppyId())
}

// @uppy/aws-s3 6.x calls its Companion endpoints with the page's own fetch and takes no
// headers for them (lib/s3-client/CompanionS3.js), so the grant is added here, to those
// calls only; they also keep the last problem the API answered, which Uppy's error
// ("Companion request failed: ...") does not carry.
let lastProblem = null

function sendGrantToCompanion() {
  const pageFetch = window.fetch.bind(window)
  window.fetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url
    if (!url.startsWith(`${companion}/s3/`)) return pageFetch(input, init)
    const headers = new Headers(init.headers || {})
    const grant = grants.get(KIND, token)
    if (grant) headers.set('X-Link-Grant', grant)
    const response = await pageFetch(input, {...init, headers, credentials: 'omit'})
    if (!response.ok) {
      let body = null
      try {
        body = await response.clone().json()
      } catch {
        body = null
      }
      lastProblem = new Problem(response.status, body, Number(response.headers.get('Retry-After')) || 0)
    }
    return response
  }
}

/** Golden Retriever keeps its state under Uppy's id: one per link, the token not in clear. */
async function uppyId() {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)))
  return `snsd-request-${Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')}`
}

function render(request, id) {
  const allowed = request.allowed_types && request.allowed_types.length ? request.allowed_types : null
  const uppy = new Uppy({
    id,
    autoProceed: false,
    restrictions: {
      maxFileSize: request.max_file_size || null,
      maxNumberOfFiles: request.files_left ?? request.max_files ?? null,
      allowedFileTypes: allowed,
    },
  })
  uppy.use(GoldenRetriever, {indexedDB: {maxFileSize: 64 * 2 ** 20, maxTotalSize: 256 * 2 ** 20}})
  uppy.use(AwsS3, {
    companionEndpoint: companion,
    shouldUseMultipart: true,
    // Only what the request asked for: never the file's own metadata.
    allowedMetaFields: ['name', 'email'].filter((field) => request[`ask_${field}`] !== 'off'),
  })

  const limits = h('ul', {class: 'limits', id: 'limits'},
    request.max_file_size ? h('li', {}, `Largest file: ${formatSize(request.max_file_size)}`) : null,
    h('li', {id: 'files-left'}, filesLeftText(request.files_left)),
    allowed ? h('li', {}, `Accepted types: ${allowed.join(', ')}`) : null,
    request.expires_at ? h('li', {}, `Open until ${formatDate(request.expires_at)}`) : null,
  )
  const fields = []
  const inputs = {}
  for (const [field, label, type, autocomplete] of [
    ['name', 'Your name', 'text', 'name'],
    ['email', 'Your e-mail address', 'email', 'email'],
  ]) {
    const asked = request[`ask_${field}`]
    if (!asked || asked === 'off') continue
    inputs[field] = h('input', {id: `uploader-${field}`, name: field, type, autocomplete,
      required: asked === 'required', maxlength: '200'})
    fields.push(h('div', {class: 'field'},
      h('label', {for: `uploader-${field}`}, label, asked === 'optional' ? ' (optional)' : ''),
      inputs[field]))
  }
  const picker = h('input', {id: 'files', type: 'file', multiple: true, accept: allowed ? allowed.join(',') : null})
  const dropZone = h('div', {class: 'drop-zone', id: 'drop-zone'},
    h('label', {for: 'files'}, 'Drop files here, or choose them'),
    picker)
  const overall = h('progress', {id: 'overall', max: '100', value: '0'})
  const overallLabel = h('label', {for: 'overall', class: 'overall'}, 'All files')
  const list = h('ul', {class: 'files', id: 'selected', 'aria-label': 'Your files'})
  const message = status()
  message.id = 'upload-status'
  const send = h('button', {type: 'submit', class: 'primary', id: 'send'}, 'Send files')
  const form = h('form', {class: 'card', novalidate: true},
    ...fields, dropZone, list, overallLabel, overall, send, message)

  show(
    h('h1', {}, request.title),
    request.message ? h('p', {class: 'request-message'}, request.message) : null,
    limits,
    form,
  )

  const add = (files) => {
    for (const file of files) {
      try {
        uppy.addFile({name: file.name, type: file.type, data: file, source: 'page'})
      } catch (error) {
        say(message, error.message, 'error')
      }
    }
  }
  picker.addEventListener('change', () => {
    add(Array.from(picker.files || []))
    picker.value = ''
  })
  for (const name of ['dragenter', 'dragover']) {
    dropZone.addEventListener(name, (event) => {
      event.preventDefault()
      dropZone.classList.add('active')
    })
  }
  for (const name of ['dragleave', 'drop']) {
    dropZone.addEventListener(name, () => dropZone.classList.remove('active'))
  }
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault()
    add(Array.from(event.dataTransfer.files || []))
  })

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    for (const input of Object.values(inputs)) {
      if (!input.checkValidity()) {
        say(message, `${input.labels[0].textContent.replace(' (optional)', '')}: ${input.validationMessage}`, 'error')
        input.focus()
        return
      }
    }
    const waiting = uppy.getFiles().filter((file) => !file.progress.uploadComplete)
    if (!waiting.length) {
      say(message, 'Choose at least one file first.', 'error')
      picker.focus()
      return
    }
    for (const file of waiting) {
      // Uppy's own `name` is the file's: the uploader's replaces it only in what is sent.
      uppy.setFileMeta(file.id, {
        name: inputs.name && inputs.name.value.trim() ? inputs.name.value.trim() : undefined,
        email: inputs.email && inputs.email.value.trim() ? inputs.email.value.trim() : undefined,
      })
    }
    lastProblem = null
    say(message, 'Sending…')
    uppy.upload()
  })

  let sent = 0
  let drawing = false
  const draw = () => {
    if (drawing) return
    drawing = true
    requestAnimationFrame(() => {
      drawing = false
      list.replaceChildren(...uppy.getFiles().map(fileRow))
      overall.value = uppy.getState().totalProgress || 0
    })
  }
  for (const name of ['file-added', 'file-removed', 'upload-progress', 'upload-success', 'upload-error', 'restored', 'progress']) {
    uppy.on(name, draw)
  }
  uppy.on('upload-success', () => {
    sent += 1
    const left = request.files_left === null || request.files_left === undefined ? null : request.files_left - sent
    document.getElementById('files-left').textContent = filesLeftText(left)
  })
  uppy.on('upload-error', (file, error) => {
    const problem = lastProblem
    if (problem && problem.code === 'password_required') grants.drop(KIND, token)
    say(message, problem ? explain(problem) : `${file.name}: ${error.message}`, 'error')
  })
  uppy.on('restriction-failed', (file, error) => say(message, error.message, 'error'))
  uppy.on('complete', (result) => {
    if (result.successful && result.successful.length && !(result.failed && result.failed.length)) {
      say(message, `Sent ${result.successful.length} file${result.successful.length === 1 ? '' : 's'}. Thank you.`, 'success')
    }
  })
  // Files this browser had before a reload, which Golden Retriever brought back: those
  // being sent go on at once (the uploader came back to finish); files only chosen wait
  // for Send, as before (Golden Retriever's confirmation would send them unasked).
  uppy.on('restored', () => {
    if (Object.keys(uppy.getState().currentUploads).length > 0) {
      say(message, 'Resuming the files you were sending…')
      uppy.emit('restore-confirmed')
    } else {
      uppy.setState({recoveredState: null})
      say(message, 'The files you chose are back: press Send files to send them.')
    }
  })
  window.snsdUppy = uppy // for the browser tests
  draw()
}

function fileRow(file) {
  const done = file.progress.uploadComplete
  const failed = Boolean(file.error)
  const percent = Math.round(file.progress.percentage || 0)
  return h('li', {class: `file${done ? ' done' : ''}${failed ? ' failed' : ''}`},
    h('span', {class: 'name'}, file.name),
    h('span', {class: 'size'}, formatSize(file.size)),
    h('progress', {max: '100', value: String(done ? 100 : percent), 'aria-label': `${file.name}: ${percent}%`}),
    h('span', {class: 'state'}, done ? 'Sent' : failed ? 'Failed' : file.progress.uploadStarted ? `${percent}%` : 'Ready'),
  )
}

function filesLeftText(left) {
  if (left === null || left === undefined) return 'Any number of files'
  if (left <= 0) return 'No more files can be sent'
  return `${left} more file${left === 1 ? '' : 's'} can be sent`
}

start()
