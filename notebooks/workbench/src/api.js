// Zeppelin's REST API as the enclave's guard lets it through (no websocket): every call carries the
// session cookie; a redirect or 401 means the session ended.

export class SignedOut extends Error {}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body, form) {
  const init = { method, credentials: 'same-origin', redirect: 'manual', headers: {} };
  if (form) {
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.type === 'opaqueredirect' || r.status === 302 || r.status === 401) {
    throw new SignedOut('signed out');
  }
  let json = {};
  try {
    json = await r.json();
  } catch (e) {
    json = {};
  }
  if (!r.ok) {
    throw new ApiError(r.status, json.message || r.statusText);
  }
  return json.body;
}

const enc = encodeURIComponent;

export const api = {
  login: (user, password) => request('POST', 'api/login', undefined, { userName: user, password }),
  logout: () => request('POST', 'api/login/logout').catch(() => null),
  me: () => request('GET', 'api/enclave/me'),
  notes: () => request('GET', 'api/notebook'),
  note: (id) => request('GET', `api/notebook/${enc(id)}`),
  createNote: (name, paragraphs) => request('POST', 'api/notebook', { name, paragraphs: paragraphs.map((text) => ({ text })) }),
  deleteNote: (id) => request('DELETE', `api/notebook/${enc(id)}`),
  addParagraph: (noteId, text, index) => request('POST', `api/notebook/${enc(noteId)}/paragraph`, index === undefined ? { text } : { text, index }),
  updateParagraph: (noteId, pid, text) => request('PUT', `api/notebook/${enc(noteId)}/paragraph/${enc(pid)}`, { text }),
  deleteParagraph: (noteId, pid) => request('DELETE', `api/notebook/${enc(noteId)}/paragraph/${enc(pid)}`),
  moveParagraph: (noteId, pid, index) => request('POST', `api/notebook/${enc(noteId)}/paragraph/${enc(pid)}/move/${index}`),
  paragraph: (noteId, pid) => request('GET', `api/notebook/${enc(noteId)}/paragraph/${enc(pid)}`),
  start: (noteId, pid) => request('POST', `api/notebook/job/${enc(noteId)}/${enc(pid)}`),
  status: (noteId, pid) => request('GET', `api/notebook/job/${enc(noteId)}/${enc(pid)}`),
  cancel: (noteId, pid) => request('DELETE', `api/notebook/job/${enc(noteId)}/${enc(pid)}`),
  samples: async (project) => {
    const r = await fetch(`samples/${enc(project)}/index.json`, { credentials: 'same-origin' });
    return r.ok ? r.json() : { samples: [] };
  },
  sample: async (project, file) => {
    const r = await fetch(`samples/${enc(project)}/${enc(file)}`, { credentials: 'same-origin' });
    if (!r.ok) {
      throw new ApiError(r.status, r.statusText);
    }
    return r.json();
  },
};

const DONE = new Set(['FINISHED', 'ERROR', 'ABORT']);

/** Runs a paragraph (its saved text) and resolves with the paragraph once it is done; onTick(status, seconds) while it runs. */
export async function runParagraph(noteId, pid, onTick) {
  const started = Date.now();
  await api.start(noteId, pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    const s = await api.status(noteId, pid);
    const seconds = Math.round((Date.now() - started) / 1000);
    if (onTick) {
      onTick(s.status, seconds);
    }
    if (DONE.has(s.status)) {
      return api.paragraph(noteId, pid);
    }
  }
}
