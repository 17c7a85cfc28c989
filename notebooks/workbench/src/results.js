// A paragraph's results: tables (with bar and line charts), disclosure verdicts, text, sanitised HTML.
import DOMPurify from 'dompurify';
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip } from 'chart.js';
import { t } from './i18n.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

const FLAG = ' ✖';

export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k === 'class') {
      e.className = v;
    } else if (k.startsWith('on')) {
      e.addEventListener(k.substring(2), v);
    } else {
      e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) {
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
  return e;
}

export function parseTable(data) {
  const lines = data.replace(/\n$/, '').split('\n');
  const header = lines[0].split('\t');
  const rows = lines.slice(1).filter((l) => l.length > 0).map((l) => l.split('\t'));
  return { header, rows };
}

const SUPPRESSED = 'suppressed';

/** A cell as a number; null for an empty or suppressed cell, NaN for text. */
function number(cell) {
  const v = cell.endsWith(FLAG) ? cell.slice(0, -FLAG.length) : cell;
  if (v.trim() === '' || v === SUPPRESSED) {
    return null;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function isNumber(cell) {
  const n = number(cell);
  return n !== null && !Number.isNaN(n);
}

function tableView({ header, rows }) {
  const thead = el('thead', {}, el('tr', {}, header.map((h) => el('th', { scope: 'col' }, h))));
  const tbody = el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => {
    const flagged = c.endsWith(FLAG);
    const td = el(i === 0 ? 'th' : 'td', {
      class: [flagged ? 'flagged' : '', isNumber(c) ? 'num' : '', c === SUPPRESSED ? 'suppressed' : ''].join(' ').trim() || undefined,
      scope: i === 0 ? 'row' : undefined,
      title: flagged ? t('result.flagged') : undefined,
    }, c);
    return td;
  }))));
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('result.rows', { rows: rows.length }) },
    el('table', { class: 'result' }, thead, tbody));
}

function chartView(table, kind) {
  const numeric = table.header.map((_, i) => i > 0 && table.rows.some((r) => isNumber(r[i] || ''))
    && table.rows.every((r) => !Number.isNaN(number(r[i] || ''))));
  const series = table.header.map((h, i) => ({ h, i })).filter((x) => numeric[x.i]);
  if (series.length === 0) {
    return el('p', { class: 'hint' }, t('result.noNumbers'));
  }
  const canvas = el('canvas', { role: 'img', 'aria-label': `${t(kind === 'bar' ? 'result.bar' : 'result.line')}: ${series.map((s) => s.h).join(', ')} by ${table.header[0]}` });
  const box = el('div', { class: 'chart' }, canvas);
  const palette = ['#1f6feb', '#d97706', '#16a34a', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
  // eslint-disable-next-line no-new
  new Chart(canvas, {
    type: kind,
    data: {
      labels: table.rows.map((r) => r[0]),
      datasets: series.map((s, k) => ({
        label: s.h,
        data: table.rows.map((r) => number(r[s.i] || '')),
        backgroundColor: palette[k % palette.length],
        borderColor: palette[k % palette.length],
      })),
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } },
  });
  return box;
}

function tableResult(data) {
  const table = parseTable(data);
  const body = el('div', { class: 'view' }, tableView(table));
  const buttons = ['table', 'bar', 'line'].map((kind) => el('button', {
    type: 'button',
    class: kind === 'table' ? 'tab on' : 'tab',
    'aria-pressed': kind === 'table' ? 'true' : 'false',
    'data-view': kind,
    onclick: (ev) => {
      buttons.forEach((b) => { b.classList.remove('on'); b.setAttribute('aria-pressed', 'false'); });
      ev.currentTarget.classList.add('on');
      ev.currentTarget.setAttribute('aria-pressed', 'true');
      body.replaceChildren(kind === 'table' ? tableView(table) : chartView(table, kind));
    },
  }, t(`result.${kind}`)));
  return el('div', { class: 'result-table' }, el('div', { class: 'tabs', role: 'group' }, buttons), body);
}

function verdictResult(text) {
  const first = text.split('\n')[0];
  const status = /: (PASS|REVIEW|FAIL)/.exec(first);
  const kind = status ? status[1].toLowerCase() : 'review';
  const lines = text.split('\n').map((line) => {
    const cls = line.startsWith('FAIL ') ? 'fail' : line.startsWith('REVIEW ') ? 'review' : line.startsWith('PASS ') ? 'pass'
      : line.startsWith('  How to fix') ? 'fix' : '';
    return el('li', { class: cls || undefined }, linkify(line));
  });
  return el('div', { class: `verdict ${kind}`, role: 'status' },
    el('p', { class: 'verdict-head' }, el('strong', {}, t(`verdict.${kind}`)), ' — ', first),
    el('ul', {}, lines.slice(1)));
}

function linkify(line) {
  const m = /^(.*?)(https?:\/\/\S+)$/.exec(line);
  if (!m || !line.includes('Open the egress request')) {
    return line;
  }
  return el('span', {}, m[1], el('a', { href: m[2], target: '_blank', rel: 'noopener', class: 'egress-link' }, t('export.openRequest')));
}

/** The results of a paragraph (Zeppelin's {code, msg:[{type, data}]}), as elements. */
export function renderResults(results) {
  if (!results || !results.msg) {
    return [];
  }
  const error = results.code === 'ERROR';
  return results.msg.map((m) => {
    if (m.type === 'TABLE' && !error) {
      return tableResult(m.data);
    }
    if (m.type === 'HTML') {
      const box = el('div', { class: 'html' });
      box.innerHTML = DOMPurify.sanitize(m.data, { USE_PROFILES: { html: true }, FORBID_TAGS: ['form', 'style', 'input', 'button'], FORBID_ATTR: ['style'] });
      return box;
    }
    if (!error && m.data.startsWith('Disclosure check under')) {
      return verdictResult(m.data);
    }
    if (!error && m.data.startsWith('Exported ')) {
      return el('div', { class: 'exported', role: 'status' }, m.data.split('\n').map((l) => el('p', {}, linkify(l))));
    }
    return el(error ? 'p' : 'pre', { class: error ? 'error' : 'text', role: error ? 'alert' : undefined }, m.data);
  });
}
