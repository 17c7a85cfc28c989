// The analysts' workbench: sign in, pick a project, open or make notes, run %enclave paragraphs,
// browse what you may see, chart results, fix what the disclosure checks flag, export.
import { api, runParagraph, SignedOut } from './api.js';
import { currentLanguage, initialLanguage, setLanguage, t } from './i18n.js';
import { el, parseTable, renderResults } from './results.js';
import { createEditor } from './editor.js';

const OUTPUT = /^\s*(?:%enclave\s*\n)?\s*(crosstab|ols|logit|probit|hist|km)\b/i;
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  project: null,
  notes: [],
  note: null,
  schema: {},
  editors: new Map(),
};

function show(id, visible) {
  $(id).hidden = !visible;
}

function fail(e) {
  if (e instanceof SignedOut) {
    signedOut(t('error.signedOut'));
    return;
  }
  const box = el('p', { class: 'error toast', role: 'alert' }, t('error.generic', { message: e.message }));
  document.body.append(box);
  setTimeout(() => box.remove(), 8000);
}

function signedOut(message) {
  state.me = null;
  show('app', false);
  show('logout', false);
  document.querySelector('.project-pick').hidden = true;
  $('who').textContent = '';
  show('login', true);
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('user').focus();
}

async function signIn(ev) {
  ev.preventDefault();
  try {
    await api.login($('user').value.trim(), $('password').value);
    $('password').value = '';
    await startApp();
  } catch (e) {
    if (e instanceof SignedOut || e.status === 403 || e.status === 401) {
      signedOut(t('login.failed'));
    } else {
      fail(e);
    }
  }
}

async function startApp() {
  state.me = await api.me();
  show('login', false);
  show('app', true);
  show('logout', true);
  $('who').textContent = t('app.signedInAs', { user: state.me.principal });
  const select = $('project');
  select.replaceChildren(...state.me.projects.map((p) => el('option', { value: p }, p)));
  document.querySelector('.project-pick').hidden = state.me.projects.length === 0;
  if (state.me.projects.length === 0) {
    $('note').replaceChildren(el('p', { class: 'empty' }, t('app.noProject')));
    return;
  }
  const wanted = new URLSearchParams(location.hash.substring(1));
  state.project = state.me.projects.includes(wanted.get('project')) ? wanted.get('project') : state.me.projects[0];
  select.value = state.project;
  await openProject(wanted.get('note'));
}

async function openProject(noteId) {
  state.note = null;
  $('note').replaceChildren(el('div', { class: 'empty' }, t('note.empty')));
  await Promise.all([loadNotes(), loadSamples()]);
  loadSchema();
  if (noteId && state.notes.some((n) => n.id === noteId)) {
    await openNote(noteId);
  }
}

function myFolder() {
  return `/${state.project}/${state.me.principal}/`;
}

function isWorkbenchNote(path) {
  return path.includes('/~');
}

async function loadNotes() {
  const all = await api.notes();
  state.notes = all.filter((n) => n.path && n.path.startsWith(`/${state.project}/`) && !isWorkbenchNote(n.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  const list = $('notes');
  if (state.notes.length === 0) {
    list.replaceChildren(el('li', { class: 'hint' }, t('notes.none')));
    return;
  }
  list.replaceChildren(...state.notes.map((n) => el('li', {},
    el('button', {
      type: 'button',
      class: state.note && state.note.id === n.id ? 'link current' : 'link',
      'aria-current': state.note && state.note.id === n.id ? 'page' : undefined,
      onclick: () => openNote(n.id).catch(fail),
    }, n.path.substring(state.project.length + 2)))));
}

async function loadSamples() {
  const index = await api.samples(state.project);
  const list = $('samples');
  if (!index.samples || index.samples.length === 0) {
    list.replaceChildren(el('li', { class: 'hint' }, t('samples.none')));
    return;
  }
  list.replaceChildren(...index.samples.map((s) => el('li', {},
    el('span', { class: 'sample-name' }, s.name),
    el('button', { type: 'button', class: 'small', 'aria-label': `${t('samples.open')}: ${s.name}`, onclick: () => openSample(s).catch(fail) },
      t('samples.open')))));
}

async function openSample(s) {
  const sample = await api.sample(state.project, s.file);
  let name = `${myFolder()}${sample.name}`;
  for (let i = 2; state.notes.some((n) => n.path === name); i++) {
    name = `${myFolder()}${sample.name} ${i}`;
  }
  const id = await api.createNote(name, sample.paragraphs.map((p) => p.text));
  await loadNotes();
  await openNote(id);
  // the explanations show as text at once, as in Jupyter; the analyst runs the rest
  for (const p of state.note.paragraphs) {
    if (/^\s*%md\b/.test(p.text || '')) {
      const view = document.querySelector(`[data-paragraph="${p.id}"]`);
      if (view) {
        await view.run(false);
      }
    }
  }
}

// ---- the schema browser ------------------------------------------------------------------

async function workbenchNote() {
  const path = `/${state.project}/${state.me.principal}/~workbench`;
  const all = await api.notes();
  const found = all.find((n) => n.path === path);
  if (found) {
    return found.id;
  }
  return api.createNote(path, ['%enclave\nschema']);
}

async function loadSchema() {
  const box = $('schema');
  box.replaceChildren(el('p', { class: 'hint' }, t('schema.loading')));
  try {
    const noteId = await workbenchNote();
    const note = await api.note(noteId);
    const p = note.paragraphs[0];
    const done = await runParagraph(noteId, p.id);
    const msg = done.results && done.results.msg && done.results.msg[0];
    if (!msg || done.results.code !== 'SUCCESS') {
      throw new Error(msg ? msg.data : 'no result');
    }
    renderSchema(parseTable(msg.data));
  } catch (e) {
    if (e instanceof SignedOut) {
      fail(e);
      return;
    }
    box.replaceChildren(el('p', { class: 'error' }, t('schema.failed', { message: e.message })));
  }
}

function renderSchema(table) {
  const tables = new Map();
  for (const [name, column, type, access, mask, filtered] of table.rows) {
    if (!tables.has(name)) {
      tables.set(name, { columns: [], filtered: filtered === 'yes' });
    }
    tables.get(name).columns.push({ column, type, access, mask });
  }
  state.schema = {};
  for (const [name, tbl] of tables) {
    state.schema[name] = tbl.columns.filter((c) => c.access !== 'denied').map((c) => c.column);
  }
  $('schema').replaceChildren(...[...tables].map(([name, tbl]) => el('details', { class: 'table' },
    el('summary', {}, el('span', { class: 'table-name' }, name),
      tbl.filtered ? el('span', { class: 'filtered', title: t('schema.filtered') }, ' ⛉') : null),
    el('ul', {}, tbl.columns.map((c) => el('li', { class: `column ${c.access}` },
      el('code', {}, c.column), ' ', el('span', { class: 'type' }, c.type), ' ',
      el('span', { class: `access ${c.access}` }, t(`schema.${c.access}`) + (c.mask ? ` (${c.mask})` : ''))))))));
}

// ---- notes and paragraphs ----------------------------------------------------------------

async function openNote(id) {
  const note = await api.note(id);
  state.note = note;
  state.editors.clear();
  location.hash = `project=${encodeURIComponent(state.project)}&note=${encodeURIComponent(id)}`;
  const title = note.path ? note.path.substring(state.project.length + 2) : note.name;
  const head = el('div', { class: 'note-head' },
    el('h2', { id: 'note-title' }, title),
    el('div', { class: 'note-actions' },
      el('button', { type: 'button', onclick: () => runAll().catch(fail) }, t('note.runAll')),
      el('button', { type: 'button', class: 'danger', onclick: () => deleteNote(note, title).catch(fail) }, t('note.delete'))));
  const paras = el('ol', { class: 'paragraphs', 'aria-labelledby': 'note-title' });
  note.paragraphs.forEach((p, i) => paras.append(paragraphView(p, i)));
  const add = el('button', { type: 'button', class: 'add', onclick: () => addParagraph(note.paragraphs.length).catch(fail) },
    `+ ${t('note.addParagraph')}`);
  $('note').replaceChildren(head, paras, add);
  await loadNotes();
}

async function deleteNote(note, title) {
  if (!window.confirm(t('note.confirmDelete', { name: title }))) {
    return;
  }
  await api.deleteNote(note.id);
  state.note = null;
  $('note').replaceChildren(el('div', { class: 'empty' }, t('note.empty')));
  await loadNotes();
}

async function addParagraph(index, text = '%enclave\n') {
  const id = await api.addParagraph(state.note.id, text, index);
  await openNote(state.note.id);
  focusParagraph(id);
  return id;
}

function focusParagraph(id) {
  const ed = state.editors.get(id);
  if (ed) {
    ed.focus();
    ed.dispatch({ selection: { anchor: ed.state.doc.length } });
  }
}

async function runAll() {
  for (const p of state.note.paragraphs) {
    const view = document.querySelector(`[data-paragraph="${p.id}"]`);
    if (view) {
      await view.run(false);
    }
  }
}

function paragraphView(p, index) {
  const li = el('li', { class: 'paragraph', 'data-paragraph': p.id });
  const editorBox = el('div', { class: 'editor' });
  const status = el('span', { class: 'status', 'aria-live': 'polite' });
  const results = el('div', { class: 'results' }, renderResults(p.results));
  let dirty = false;
  let running = false;
  const editor = createEditor(editorBox, p.text || '', state.schema, t('para.editor', { n: index + 1 }),
    (moveOn) => li.run(moveOn), () => { dirty = true; });
  state.editors.set(p.id, editor);

  const runButton = el('button', { type: 'button', class: 'primary', title: t('para.runHint'), onclick: () => li.run(false) }, `▶ ${t('para.run')}`);
  const cancelButton = el('button', { type: 'button', hidden: true, onclick: () => api.cancel(state.note.id, p.id).catch(fail) },
    `■ ${t('para.cancel')}`);
  const exportButton = el('button', { type: 'button', hidden: !isExportable(p.text, p.results), onclick: () => openExport() },
    t('export.button'));
  const exportForm = exportPanel(p, index);

  function openExport() {
    exportForm.hidden = false;
    exportForm.querySelector('input').focus();
  }

  li.run = async (moveOn) => {
    if (running) {
      return;
    }
    running = true;
    runButton.disabled = true;
    cancelButton.hidden = false;
    li.classList.add('running');
    status.textContent = t('para.pending');
    try {
      const text = editor.state.doc.toString();
      if (dirty || text !== (p.text || '')) {
        await api.updateParagraph(state.note.id, p.id, text);
        p.text = text;
        dirty = false;
      }
      const done = await runParagraph(state.note.id, p.id, (s, seconds) => {
        status.textContent = s === 'PENDING' ? t('para.pending') : seconds > 4 && index === 0 ? `${t('para.running', { seconds })} — ${t('para.starting')}`
          : t('para.running', { seconds });
      });
      p.results = done.results;
      results.replaceChildren(...renderResults(done.results));
      status.textContent = done.status === 'ABORT' ? t('para.aborted') : done.status === 'ERROR' ? t('para.failed')
        : t('para.finished', { seconds: Math.max(0, Math.round((Date.parse(done.dateFinished) - Date.parse(done.dateStarted)) / 1000)) || 0 });
      exportButton.hidden = !isExportable(text, done.results);
    } catch (e) {
      fail(e);
    } finally {
      running = false;
      runButton.disabled = false;
      cancelButton.hidden = true;
      li.classList.remove('running');
    }
    if (moveOn) {
      const next = state.note.paragraphs[index + 1];
      if (next) {
        focusParagraph(next.id);
      } else {
        await addParagraph(index + 1).catch(fail);
      }
    }
  };

  const tools = el('div', { class: 'tools' }, runButton, cancelButton, exportButton,
    el('button', { type: 'button', 'aria-label': t('para.up'), title: t('para.up'), disabled: index === 0,
      onclick: () => api.moveParagraph(state.note.id, p.id, index - 1).then(() => openNote(state.note.id)).catch(fail) }, '↑'),
    el('button', { type: 'button', 'aria-label': t('para.down'), title: t('para.down'), disabled: index === state.note.paragraphs.length - 1,
      onclick: () => api.moveParagraph(state.note.id, p.id, index + 1).then(() => openNote(state.note.id)).catch(fail) }, '↓'),
    el('button', { type: 'button', class: 'danger', 'aria-label': t('para.delete'), title: t('para.delete'),
      onclick: () => api.deleteParagraph(state.note.id, p.id).then(() => openNote(state.note.id)).catch(fail) }, '✕'),
    status);
  li.append(editorBox, tools, exportForm, results);
  return li;
}

function isExportable(text, results) {
  return OUTPUT.test(text || '') && results && results.code === 'SUCCESS';
}

function exportPanel(p, index) {
  const firstWords = (p.text || '').replace(/^%enclave\s*/, '').split('\n')[0].replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')
    .substring(0, 40) || 'output';
  const name = el('input', { required: true, maxlength: '100', pattern: '[A-Za-z0-9][A-Za-z0-9._-]*', value: `${firstWords}.csv` });
  const description = el('input', { maxlength: '300' });
  const form = el('form', {
    class: 'export-panel',
    hidden: true,
    'aria-label': t('export.title'),
    onsubmit: async (ev) => {
      ev.preventDefault();
      const desc = description.value.replace(/"/g, "'").trim();
      const text = `%enclave\nexport ${name.value.trim()}${desc ? ` as "${desc}"` : ''}`;
      form.hidden = true;
      try {
        const id = await api.addParagraph(state.note.id, text, index + 1);
        await openNote(state.note.id);
        const view = document.querySelector(`[data-paragraph="${id}"]`);
        if (view) {
          await view.run(false);
        }
      } catch (e) {
        fail(e);
      }
    },
  },
  el('h3', {}, t('export.title')),
  el('p', { class: 'hint' }, t('export.help')),
  el('label', {}, el('span', {}, t('export.name')), name),
  el('label', {}, el('span', {}, t('export.description')), description),
  el('button', { type: 'submit', class: 'primary' }, t('export.submit')));
  return form;
}

// ---- start -------------------------------------------------------------------------------

async function main() {
  await setLanguage(initialLanguage());
  $('lang').textContent = t('app.otherLanguage');
  $('lang').addEventListener('click', async () => {
    await setLanguage(currentLanguage() === 'ja' ? 'en' : 'ja');
    $('lang').textContent = t('app.otherLanguage');
    if (state.me) {
      $('who').textContent = t('app.signedInAs', { user: state.me.principal });
      await openProject(state.note && state.note.id).catch(fail);
    }
  });
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', async () => {
    await api.logout();
    signedOut('');
  });
  $('project').addEventListener('change', (ev) => {
    state.project = ev.target.value;
    openProject().catch(fail);
  });
  $('new-note').addEventListener('click', () => {
    $('new-note-form').hidden = !$('new-note-form').hidden;
    if (!$('new-note-form').hidden) {
      $('new-note-name').focus();
    }
  });
  $('new-note-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const id = await api.createNote(`${myFolder()}${$('new-note-name').value.trim()}`, ['%enclave\n']);
      $('new-note-form').hidden = true;
      $('new-note-name').value = '';
      await loadNotes();
      await openNote(id);
    } catch (e) {
      fail(e);
    }
  });
  $('schema-refresh').addEventListener('click', () => loadSchema());
  try {
    await startApp();
  } catch (e) {
    signedOut('');
  }
}

window.addEventListener('error', (ev) => { window.__errors = `${window.__errors || ''}${ev.message}\n`; });
window.addEventListener('unhandledrejection', (ev) => { window.__errors = `${window.__errors || ''}${ev.reason}\n`; });
main();
