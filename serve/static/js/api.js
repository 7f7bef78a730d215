// The HTTP API client: JSON calls, uploads, blobs and server-sent events over fetch. When the server answers 401
// (it was started with --token), ask the person for the token once, keep it in localStorage and retry.
import { t } from './i18n.js';

const TOKEN_KEY = 'docrag.token';

/** A call the server refused or could not answer; `message` is the server's reason when it gave one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function reasonOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    const detail = body.detail ?? body.error ?? body.message;
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg ?? JSON.stringify(d)).join('; ');
    if (detail) return JSON.stringify(detail);
  } catch { /* not JSON: the text itself */ }
  return text.trim() || `${response.status} ${response.statusText}`;
}

/** fetch(path) with the stored bearer token; throws ApiError for any status >= 400. */
export async function send(path, init = {}, asked = false) {
  const headers = new Headers(init.headers || {});
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401 && !asked) {
    // Requests refused together ask once: a later one finds the token the first one was given.
    if (localStorage.getItem(TOKEN_KEY) !== token) return send(path, init, true);
    const entered = window.prompt(t('token.prompt'));
    if (entered && entered.trim()) {
      localStorage.setItem(TOKEN_KEY, entered.trim());
      return send(path, init, true);
    }
  }
  if (!response.ok) throw new ApiError(response.status, await reasonOf(response));
  return response;
}

export async function getJSON(path) {
  return (await send(path)).json();
}

export async function postJSON(path, body) {
  const response = await send(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return response.json();
}

/** POST a FormData (multipart upload). */
export async function postForm(path, form) {
  return (await send(path, { method: 'POST', body: form })).json();
}

export async function del(path) {
  const response = await send(path, { method: 'DELETE' });
  return response.status === 204 ? {} : response.json().catch(() => ({}));
}

/** GET a binary resource: {blob, headers}. */
export async function getBlob(path) {
  const response = await send(path);
  return { blob: await response.blob(), headers: response.headers };
}

function parseData(data) {
  try { return JSON.parse(data); } catch { return data; }
}

/**
 * POST `body` as JSON and call onEvent(name, data) for each server-sent event (data parsed as JSON when it is
 * JSON). A server that answers plain JSON instead is reported as one `answer` event.
 */
export async function postEvents(path, body, onEvent, signal) {
  const response = await send(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!(response.headers.get('content-type') || '').includes('text/event-stream')) {
    onEvent('answer', await response.json());
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const dispatch = (block) => {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) onEvent(name, parseData(data.join('\n')));
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = (buffer + value).replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  if (buffer.trim()) dispatch(buffer);
}

/** Forget the stored token (a person switching servers or tokens). */
export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}
