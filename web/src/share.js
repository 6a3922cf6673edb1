// The share page (`/files/s/{token}`): what a recipient sees of a share link. It reads the
// link's metadata, asks for the password when the link has one, and downloads through
// the public API's short-lived presigned GETs.
import {
  Problem, call, explain, formatDate, formatSize, grants, h, linkToken, passwordForm, say,
  show, showProblem, status,
} from './common.js'

const KIND = 'share'
const PAGE_SIZE = 50
const token = linkToken()
const api = `/files/public/shares/${encodeURIComponent(token)}`

async function start() {
  let share
  let grant = grants.get(KIND, token)
  try {
    share = await call(api, {grant})
    // A password link names its file only to a live grant: without one, the form.
    if (share.password_required && share.name === null) {
      grants.drop(KIND, token)
      grant = await passwordForm(KIND, api, token, PROTECTED)
      share = await call(api, {grant})
    }
  } catch (problem) {
    showProblem(problem)
    return
  }
  render(share, grant)
}

const PROTECTED = 'A protected link'

/** A call that needs the grant: an expired or refused one brings the password form back. */
async function withGrant(share, grant, url, options = {}) {
  try {
    return await call(url, {...options, grant})
  } catch (problem) {
    if (problem instanceof Problem && problem.code === 'password_required') {
      grants.drop(KIND, token)
      const renewed = await passwordForm(KIND, api, token, share.name || PROTECTED)
      render(await call(api, {grant: renewed}), renewed)
      return null
    }
    throw problem
  }
}

function render(share, grant) {
  const facts = h('dl', {class: 'facts'},
    h('dt', {}, 'Type'), h('dd', {}, share.kind === 'folder' ? 'Folder' : 'File'),
    share.kind === 'file' ? [h('dt', {}, 'Size'), h('dd', {}, formatSize(share.size))] : null,
    h('dt', {}, 'Available until'), h('dd', {}, formatDate(share.expires_at)),
    share.downloads_left === null || share.downloads_left === undefined ? null
      : [h('dt', {}, 'Downloads left'), h('dd', {id: 'downloads-left'}, String(share.downloads_left))],
    scanNote(share.scan) ? [h('dt', {}, 'Safety'), h('dd', {id: 'scan'}, scanNote(share.scan))] : null,
  )
  const message = status()
  message.id = 'download-status'
  const parts = [
    h('h1', {}, share.name || PROTECTED),
    share.label ? h('p', {class: 'label'}, share.label) : null,
    facts,
    message,
  ]
  if (share.kind === 'file') {
    parts.push(h('button', {type: 'button', class: 'primary', id: 'download',
      onclick: () => download(share, grant, undefined, message)}, 'Download'))
  } else if (share.lists_contents) {
    const listing = h('section', {class: 'listing', 'aria-label': 'Files in this folder'})
    parts.push(listing)
    openFolder(share, grant, listing, message, '')
  } else {
    parts.push(h('p', {}, 'This folder link does not list its contents.'))
  }
  show(...parts)
}

// A file still being checked for malware: the page asks again as the API's Retry-After
// says, this many times at most (about ten minutes at its default of 10 s).
const SCAN_WAITS = 60

async function download(share, grant, path, message, waited = 0) {
  say(message, waited ? message.textContent : 'Preparing the download…')
  try {
    const answer = await withGrant(share, grant, `${api}/downloads`, {
      method: 'POST',
      body: path === undefined ? {} : {path},
    })
    if (!answer) return
    say(message, 'Your download has started.', 'success')
    // The answered presigned GET downloads as an attachment: the page stays.
    location.assign(answer.url)
  } catch (problem) {
    if (problem instanceof Problem && problem.code === 'scan_pending' && waited < SCAN_WAITS) {
      say(message, `${explain(problem)} The download starts by itself when it is.`)
      const seconds = Math.max(1, problem.retryAfter || 10)
      setTimeout(() => download(share, grant, path, message, waited + 1), seconds * 1000)
      return
    }
    say(message, explain(problem), 'error')
  }
}

/** What a file's malware check says, where it says more than "clean". */
function scanNote(scan) {
  return {
    pending: 'Being checked for malware',
    infected: 'Contains malware: cannot be downloaded',
    unscannable: 'Could not be checked for malware',
    failed: 'Could not be checked for malware',
  }[scan] || null
}

async function openFolder(share, grant, listing, message, folder, cursor) {
  const query = new URLSearchParams({limit: String(PAGE_SIZE)})
  if (folder) query.set('folder', folder)
  if (cursor) query.set('cursor', cursor)
  let page
  try {
    page = await withGrant(share, grant, `${api}/files?${query}`)
  } catch (problem) {
    say(message, explain(problem), 'error')
    return
  }
  if (!page) return
  const rows = h('ul', {class: 'files'})
  if (folder) {
    const parent = folder.includes('/') ? folder.slice(0, folder.lastIndexOf('/')) : ''
    rows.append(h('li', {}, h('button', {type: 'button', class: 'link',
      onclick: () => openFolder(share, grant, listing, message, parent)}, '↑ Up one folder')))
  }
  for (const sub of page.folders || []) {
    const name = sub.replace(/\/$/, '').split('/').pop()
    rows.append(h('li', {class: 'folder'}, h('button', {type: 'button', class: 'link',
      onclick: () => openFolder(share, grant, listing, message, sub.replace(/\/$/, ''))}, `${name}/`)))
  }
  for (const file of page.files || []) {
    const name = file.name || file.path.split('/').pop()
    rows.append(h('li', {class: 'file'},
      h('span', {class: 'name'}, name),
      h('span', {class: 'size'}, formatSize(file.size)),
      scanNote(file.scan) ? h('span', {class: 'scan'}, scanNote(file.scan)) : null,
      h('button', {type: 'button', 'aria-label': `Download ${name}`,
        onclick: () => download(share, grant, file.path, message)}, 'Download')))
  }
  if (!rows.children.length) rows.append(h('li', {class: 'empty'}, 'This folder is empty.'))
  const more = page.next_cursor
    ? h('button', {type: 'button', id: 'more',
      onclick: () => openFolder(share, grant, listing, message, folder, page.next_cursor)}, 'Next page')
    : null
  listing.replaceChildren(h('h2', {}, folder ? `In ${folder}` : 'Files'), rows, more)
}

start()
