// Who is at the workstation: the sign-in page (a password, and a one-time code when the account
// has one; or a one-time link, which the server turns into a session before the page loads),
// the account in the top bar with "Sign out", and the return to the sign-in page when the
// session ends. The password only goes to the API: it is never kept, logged or put in the URL.

import * as api from './api.js';
import { h } from './format.js';

const MESSAGES = {
  'link-expired': 'This sign-in link was used or has expired. Sign in with your password, or ask for a new link.',
};

/** "unknown account or wrong password" -> "Unknown account or wrong password." */
function sentence(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** What to tell the person of a refused sign-in. */
function refusal(error) {
  if (error.status === 0) return `The Balise server cannot be reached (${error.problem?.detail ?? 'no answer'}).`;
  if (error.status === 422) return 'Fill in your account name and password.';
  return sentence(error.problem?.detail || error.problem?.title || error.message);
}

/** The `signin` query parameter (a message the server sends with a redirect), removed from
 * the address so that a reload does not show it again. */
function takeNotice() {
  const query = new URLSearchParams(window.location.search);
  const notice = query.get('signin');
  if (!notice) return null;
  query.delete('signin');
  const rest = query.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${rest ? `?${rest}` : ''}`);
  return MESSAGES[notice] ?? null;
}

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function signInForm(notice, done) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const totp = h('input', { name: 'totp', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9 ]{6,8}', maxlength: '9' });
  const codeRow = field('One-time code', totp);
  codeRow.hidden = true;
  const message = h('p', { class: 'message', role: 'alert', hidden: !notice }, notice ?? '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin-form', id: 'signin-form' },
    field('Account', username), field('Password', password), codeRow, message, submit);
  const say = (text) => {
    message.textContent = text;
    message.hidden = !text;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    say('');
    try {
      const account = await api.signIn({ username: username.value.trim(), password: password.value, totp: totp.value.trim() || undefined });
      password.value = '';
      totp.value = '';
      done(account);
    } catch (error) {
      const needsCode = /one-time code/i.test(error.problem?.detail ?? '');
      if (needsCode) {
        codeRow.hidden = false;
        totp.required = true;
        totp.value = '';
        totp.focus();
      } else {
        password.value = '';
        password.focus();
      }
      say(refusal(error));
    } finally {
      submit.disabled = false;
    }
  });
  setTimeout(() => (username.value ? password : username).focus(), 0);
  return form;
}

/**
 * Shows the sign-in page in `root` (the workstation behind it is hidden) and resolves with
 * the account once signed in; `notice` is a message to show first (a session that ended).
 */
export function signInPage(root, notice = null) {
  document.body.classList.add('signed-out');
  return new Promise((resolve) => {
    const done = (account) => {
      root.hidden = true;
      root.replaceChildren();
      document.body.classList.remove('signed-out');
      resolve(account);
    };
    root.replaceChildren(h('div', { class: 'signin-card' },
      h('h1', { class: 'brand' }, 'Balise'),
      h('p', { class: 'tagline' }, 'Indicators of maritime trafficking risk'),
      signInForm(notice ?? takeNotice(), done),
      h('p', { class: 'hint' }, 'Your account is made by the Balise administrator of your service (balise users add). A one-time sign-in link opens this workstation directly.')));
    root.hidden = false;
  });
}

/** The signed-in account, showing the sign-in page first when nobody is. */
export async function signedIn(root) {
  try {
    const account = await api.me();
    takeNotice(); // signed in already: a stale notice has nothing to say
    return account;
  } catch (error) {
    // a server that cannot answer is said on the sign-in page, not left as a blank screen
    return signInPage(root, error.status === 401 ? null : refusal(error));
  }
}

/** "Watch officer", "Security officer". */
export function roleLabel(role) {
  const text = String(role).replaceAll('_', ' ');
  return text[0].toUpperCase() + text.slice(1);
}

/** The account in the top bar: name, agency and roles, and a "Sign out" button. */
export function renderAccount(root, account) {
  const name = account.display_name || account.username;
  const roles = account.roles.map(roleLabel).join(', ');
  const signOut = async () => {
    try {
      await api.signOut();
    } catch {
      /* the session may have ended already: the sign-in page follows either way */
    }
    window.location.replace('/');
  };
  const agency = account.agency.replaceAll('_', ' ');
  root.replaceChildren(
    h('span', { class: 'who', title: `${name} (${account.username}) · ${agency} · ${roles}` },
      h('b', { class: 'name' }, name),
      h('span', { class: 'role' }, h('span', { class: 'agency' }, agency), ' · ', h('span', { class: 'roles' }, roles))),
    h('button', { id: 'sign-out', type: 'button', onclick: signOut }, 'Sign out'));
  root.hidden = false;
}
