// Messages from the bundles in i18n/<lang>.json: Japanese or English, from the browser's language
// unless the user chose, and switchable.
let messages = {};
let lang = 'en';

export function currentLanguage() {
  return lang;
}

export async function setLanguage(next) {
  lang = next === 'ja' ? 'ja' : 'en';
  const r = await fetch(`i18n/${lang}.json`, { credentials: 'same-origin' });
  messages = await r.json();
  localStorage.setItem('enclave.lang', lang);
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
}

export function initialLanguage() {
  const chosen = localStorage.getItem('enclave.lang');
  if (chosen === 'ja' || chosen === 'en') {
    return chosen;
  }
  return (navigator.languages || [navigator.language || 'en']).some((l) => l.toLowerCase().startsWith('ja')) ? 'ja' : 'en';
}

export function t(key, vars) {
  let s = messages[key] || key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) {
      s = s.split(`{${k}}`).join(String(v));
    }
  }
  return s;
}
