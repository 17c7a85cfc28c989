// The cohort discovery page: a criteria builder (groups joined by OR of conditions joined by AND),
// the ICD-10 hierarchy to browse and search, and the counts as a table and a bar chart (Chart.js).
// Words come from the page's message bundle (discovery-config), in the page's language.
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const config = JSON.parse(document.getElementById('discovery-config').textContent);
const csrf = document.getElementById('csrf').dataset;
const t = (key, ...args) => (config.messages[key] ?? key).replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
};

// ---- criteria: [[{field, negated, values}]] <-> text ---------------------------------------------
let groups = parse($('criteria-text').value) ?? [[{ field: 'icd10', negated: false, values: ['C50'] }]];
let active = 0;

function parse(text) {
  if (!text.trim()) return null;
  const out = [];
  for (const g of text.split(';')) {
    const terms = [];
    for (const part of g.split(',')) {
      const p = part.trim();
      const ne = p.indexOf('!=');
      const eq = p.indexOf('=');
      if (eq < 0) return null;
      const negated = ne >= 0 && ne < eq;
      const field = p.slice(0, negated ? ne : eq).trim().toLowerCase();
      if (!config.fields.includes(field)) return null;
      terms.push({ field, negated, values: p.slice(eq + 1).split('|').map((v) => v.trim()).filter((v) => v) });
    }
    out.push(terms);
  }
  return out;
}

function serialize() {
  return groups.map((g) => g.filter((c) => c.values.length).map((c) => `${c.field}${c.negated ? '!=' : '='}${c.values.join('|')}`).join(','))
    .filter((g) => g).join(';');
}

function valueLabel(field, v) {
  return config.messages[`value.${v}`] && ['sex', 'commercial', 'genotypes'].includes(field) ? t(`value.${v}`) : v;
}

function valueControl(cond, gi, ci) {
  const id = `value-${gi}-${ci}`;
  const choices = config.values[cond.field];
  let input;
  if (choices) {
    input = el('select', { id });
    for (const v of choices) input.append(el('option', { value: v, selected: cond.values[0] === v }, valueLabel(cond.field, v)));
    if (!cond.values.length || !choices.includes(cond.values[0])) cond.values = [choices[0]];
    input.addEventListener('change', () => { cond.values = [input.value]; sync(); });
  } else {
    const placeholder = { icd10: 'C50|C34', age_at_collection: '50-59' }[cond.field] ?? '';
    input = el('input', { id, type: 'text', value: cond.values.join('|'), placeholder, autocomplete: 'off', spellcheck: false });
    input.addEventListener('input', () => { cond.values = input.value.split('|').map((v) => v.trim()).filter((v) => v); sync(false); });
  }
  return [el('label', { htmlFor: id, className: 'sr-only' }, t('discovery.condition.value')), input];
}

function render() {
  const box = $('groups');
  box.replaceChildren();
  groups.forEach((group, gi) => {
    const fs = el('fieldset', { className: 'group' + (gi === active ? ' active' : ''), dataset: { group: gi } });
    fs.addEventListener('focusin', () => { setActive(gi); });
    fs.append(el('legend', {}, gi > 0 ? `${t('discovery.group.or')} · ${t('discovery.group', gi + 1)}` : t('discovery.group', gi + 1)));
    group.forEach((cond, ci) => {
      const row = el('div', { className: 'condition' });
      const fid = `field-${gi}-${ci}`;
      const field = el('select', { id: fid, 'aria-label': t('discovery.condition.field') });
      for (const f of config.fields) field.append(el('option', { value: f, selected: f === cond.field }, t(`field.${f}`)));
      field.addEventListener('change', () => { cond.field = field.value; cond.values = []; render(); sync(); $(`value-${gi}-${ci}`)?.focus(); });
      const op = el('select', { id: `op-${gi}-${ci}`, 'aria-label': t('discovery.condition.op') },
        el('option', { value: '=', selected: !cond.negated }, t('discovery.op.is')),
        el('option', { value: '!=', selected: cond.negated }, t('discovery.op.isnot')));
      op.addEventListener('change', () => { cond.negated = op.value === '!='; sync(); });
      const remove = el('button', { type: 'button', className: 'secondary small', 'aria-label': `${t('discovery.condition.remove')} ${t(`field.${cond.field}`)}` },
        t('discovery.condition.remove'));
      remove.addEventListener('click', () => { group.splice(ci, 1); if (!group.length) groups.splice(gi, 1); if (!groups.length) groups = [[]]; active = Math.min(active, groups.length - 1); render(); sync(); });
      row.append(field, op, ...valueControl(cond, gi, ci), remove);
      fs.append(row);
    });
    const add = el('button', { type: 'button', className: 'secondary small add-condition' }, t('discovery.condition.add'));
    add.addEventListener('click', () => { group.push({ field: 'sex', negated: false, values: [] }); render(); sync(); $(`field-${gi}-${group.length - 1}`).focus(); });
    fs.append(add);
    if (groups.length > 1) {
      const drop = el('button', { type: 'button', className: 'secondary small' }, t('discovery.group.remove'));
      drop.addEventListener('click', () => { groups.splice(gi, 1); active = Math.min(active, groups.length - 1); render(); sync(); });
      fs.append(' ', drop);
    }
    box.append(fs);
  });
}

function setActive(gi) {
  if (active === gi) return;
  active = gi;
  document.querySelectorAll('#groups fieldset').forEach((f) => f.classList.toggle('active', Number(f.dataset.group) === gi));
}

function sync() {
  $('criteria-text').value = serialize();
}

$('criteria-text').addEventListener('change', () => {
  const parsed = parse($('criteria-text').value);
  if (parsed) { groups = parsed; active = Math.min(active, groups.length - 1); render(); }
});
$('add-group').addEventListener('click', () => {
  groups.push([{ field: 'icd10', negated: false, values: [] }]);
  active = groups.length - 1;
  render();
  sync();
  $(`field-${active}-0`).focus();
});

/** Puts an ICD-10 code into the group being edited: into its first diagnosis condition, or as a new one. */
function addCode(code) {
  const group = groups[active] ?? (groups[0] = []);
  const cond = group.find((c) => c.field === 'icd10' && !c.negated);
  if (cond) { if (!cond.values.includes(code)) cond.values.push(code); } else group.push({ field: 'icd10', negated: false, values: [code] });
  render();
  sync();
}

// ---- the ICD-10 hierarchy ------------------------------------------------------------------------
async function icd10(params) {
  const r = await fetch(`discovery/api/icd10?${new URLSearchParams(params)}`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).message ?? r.statusText);
  return r.json();
}

function node(entry, searching) {
  const li = el('li', { dataset: { code: entry.code } });
  const label = `${entry.code} ${entry.title}`;
  if (entry.children && !searching) {
    const open = el('button', { type: 'button', className: 'twisty', 'aria-expanded': 'false', 'aria-label': `${t('discovery.open')} ${label}` }, '▸');
    const text = el('span', { className: 'term' }, el('code', {}, entry.code), ' ', entry.title);
    open.addEventListener('click', async () => {
      const expanded = open.getAttribute('aria-expanded') === 'true';
      open.setAttribute('aria-expanded', String(!expanded));
      open.textContent = expanded ? '▸' : '▾';
      li.querySelector('ul')?.remove();
      if (!expanded) {
        const ul = el('ul');
        for (const child of await icd10({ parent: entry.code })) ul.append(node(child, false));
        li.append(ul);
      }
    });
    li.append(open, text);
  } else {
    li.append(el('span', { className: 'twisty-space' }), el('span', { className: 'term' }, el('code', {}, entry.code), ' ', entry.title));
  }
  const add = el('button', { type: 'button', className: 'secondary small add-code', 'aria-label': `${t('discovery.add')} ${label}` }, t('discovery.add'));
  add.addEventListener('click', () => addCode(entry.code));
  li.querySelector('.term').after(' ', add);
  return li;
}

async function showTree(q) {
  const tree = $('icd10-tree');
  try {
    const entries = q ? await icd10({ q }) : await icd10({});
    tree.replaceChildren(...entries.map((e) => node(e, Boolean(q))));
  } catch (e) {
    showError(e.message);
  }
}

let searchTimer;
$('icd10-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => showTree($('icd10-search').value.trim()), 200);
});

// ---- counting ------------------------------------------------------------------------------------
let chart;

function showError(message) {
  const box = $('discovery-error');
  box.textContent = message;
  box.hidden = !message;
}

async function count() {
  showError('');
  const button = $('count');
  const label = button.textContent;
  button.disabled = true;
  button.textContent = t('discovery.counting');
  try {
    const r = await fetch('discovery/api/count', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', [csrf.header]: csrf.token },
      body: JSON.stringify({ where: $('criteria-text').value, by: $('by').value || null }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.message ?? r.statusText);
    show(body);
  } catch (e) {
    showError(e.message);
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

function show(a) {
  $('results').hidden = false;
  $('total').textContent = String(a.total);
  const by = $('by').value;
  $('by-heading').textContent = by ? t(`field.${by}`) : '';
  const rows = a.breakdown.map((c) => el('tr', {}, el('th', { scope: 'row' }, valueLabel(by, c.label)), el('td', { className: 'num' }, String(c.count))));
  $('breakdown').hidden = !rows.length;
  $('breakdown').querySelector('tbody').replaceChildren(...rows);
  $('precision').textContent = a.precision;
  $('budget-used').textContent = t('discovery.budget', a.queries_used, a.queries_used + a.queries_left);
  chart?.destroy();
  chart = undefined;
  const canvas = $('chart');
  canvas.parentElement.hidden = !rows.length;
  if (rows.length) {
    const title = t('discovery.chart', t(`field.${by}`));
    canvas.setAttribute('aria-label', `${title}: ${a.breakdown.map((c) => `${valueLabel(by, c.label)} ${c.count}`).join(', ')}`);
    chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: a.breakdown.map((c) => valueLabel(by, c.label)),
        // a bound is drawn as nothing and labelled as the bound
        datasets: [{ label: t('discovery.participants'), data: a.breakdown.map((c) => (typeof c.count === 'number' ? c.count : 0)), backgroundColor: '#1d2a44' }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          tooltip: { callbacks: { label: (ctx) => `${t('discovery.participants')}: ${a.breakdown[ctx.dataIndex].count}` } },
        },
        scales: { y: { beginAtZero: true, title: { display: true, text: t('discovery.participants') } } },
      },
    });
  }
  $('results-heading').focus?.();
}

$('count').addEventListener('click', count);
$('criteria-text').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); $('criteria-text').dispatchEvent(new Event('change')); count(); } });

try {
  render();
  sync();
  showTree('');
} catch (e) {
  showError(`${e.message}`);
  throw e;
}
