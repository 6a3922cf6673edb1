// What both pages share: the link's token, its grant, calls to the public JSON API and
// what its problems mean to a person. No framework: the DOM is built with
// createElement and textContent only, so nothing the API answers is ever parsed as HTML.

/** The link's token: the last segment of the page's own path (`/files/s/{token}`). */
export function linkToken() {
  const segments = location.pathname.split('/').filter(Boolean)
  return decodeURIComponent(segments[segments.length - 1] || '')
}

// The grant lives in sessionStorage: this tab only, gone when it closes.
const grantKey = (kind, token) => `snsd-grant:${kind}:${token}`

export const grants = {
  get: (kind, token) => sessionStorage.getItem(grantKey(kind, token)),
  set: (kind, token, grant) => sessionStorage.setItem(grantKey(kind, token), grant),
  drop: (kind, token) => sessionStorage.removeItem(grantKey(kind, token)),
}

/** A problem+json answer, as an Error the page can explain. */
export class Problem extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.detail) || `The server answered ${status}`)
    this.status = status
    this.code = (body && body.code) || ''
    this.retryAfter = retryAfter
  }
}

/** Calls the public API (same origin); answers the JSON body or throws a Problem. */
export async function call(url, {method = 'GET', body, grant} = {}) {
  const headers = {Accept: 'application/json'}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (grant) headers['X-Link-Grant'] = grant
  let response
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    })
  } catch {
    throw new Problem(0, {code: 'offline', detail: 'The server cannot be reached: check your connection and try again.'})
  }
  const text = await response.text()
  let parsed = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  if (!response.ok) {
    throw new Problem(response.status, parsed, Number(response.headers.get('Retry-After')) || 0)
  }
  return parsed
}

/** What a problem means to the person in front of the page. */
const NOT_FOUND = 'This link does not exist. Check that you copied all of it, or ask its sender for a new one.'

export function explain(problem) {
  switch (problem.code) {
    case 'link_not_found':
      return NOT_FOUND
    case 'link_gone':
      return `This link no longer works: ${problem.message}`
    case 'password_required':
      return 'This link needs its password.'
    case 'wrong_password':
      return 'That password is not right. Try again.'
    case 'too_many_attempts':
      return `Too many attempts. Try again in ${waitText(problem.retryAfter)}.`
    case 'scan_pending':
      return 'This file is being checked for malware. It can be downloaded once the check is done.'
    case 'file_infected':
      return 'This file was found to contain malware, so it cannot be downloaded. Let its sender know.'
    case 'file_not_scanned':
      return 'This file could not be checked for malware, so it cannot be downloaded through a link. Ask its sender for it.'
    default:
      return problem.message
  }
}

function waitText(seconds) {
  if (!seconds) return 'a moment'
  if (seconds < 90) return `${seconds} seconds`
  return `${Math.ceil(seconds / 60)} minutes`
}

// -- the DOM ------------------------------------------------------------------------

/** An element with properties and children (strings become text, never HTML). */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value)
    else if (key === 'class') element.className = value
    else if (key in element && typeof value !== 'string') element[key] = value
    else element.setAttribute(key, value === true ? '' : value)
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
  return element
}

export const root = () => document.getElementById('app')

/** Replaces the page's content; focus goes to its heading for keyboard and screen readers. */
export function show(...children) {
  const app = root()
  app.replaceChildren(...children)
  const heading = app.querySelector('h1')
  if (heading) {
    heading.setAttribute('tabindex', '-1')
    heading.focus()
  }
}

/** The page for a link that cannot be used: the problem, said plainly. */
export function showProblem(problem) {
  const title = problem.status === 404 ? 'Link not found'
    : problem.code === 'link_gone' ? 'Link no longer available'
      : 'Something went wrong'
  // Whatever its code, a 404 to a link's own address means there is no link there.
  const text = problem.status === 404 ? NOT_FOUND : explain(problem)
  show(h('h1', {}, title), h('p', {class: 'message error', role: 'alert'}, text))
}

/** A message slot that screen readers announce. */
export function status() {
  return h('p', {class: 'message', role: 'status', 'aria-live': 'polite'})
}

export function say(slot, text, kind = '') {
  slot.className = `message ${kind}`.trim()
  slot.textContent = text
}

/** The password form: resolves once the unlock call has answered a grant (kept in sessionStorage). */
export function passwordForm(kind, api, token, heading) {
  return new Promise((resolve) => {
    const input = h('input', {id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true})
    const message = status()
    const button = h('button', {type: 'submit'}, 'Unlock')
    const form = h('form', {class: 'card', novalidate: true},
      h('label', {for: 'password'}, 'Password'),
      input,
      button,
      message,
    )
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      if (!input.value) {
        say(message, 'Enter the password you were given with this link.', 'error')
        input.focus()
        return
      }
      button.disabled = true
      say(message, 'Checking…')
      try {
        const answer = await call(`${api}/unlock`, {method: 'POST', body: {password: input.value}})
        grants.set(kind, token, answer.grant)
        resolve(answer.grant)
      } catch (problem) {
        say(message, explain(problem), 'error')
        input.select()
        input.focus()
      } finally {
        button.disabled = false
      }
    })
    show(h('h1', {}, heading), h('p', {}, 'This link is protected by a password.'), form)
  })
}

// -- numbers and dates --------------------------------------------------------------

// In 1024s, as the uploader's own computer most likely counts a file's size.
export function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return ''
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatDate(iso) {
  if (!iso) return ''
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, {dateStyle: 'long', timeStyle: 'short'})
}
