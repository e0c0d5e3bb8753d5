// The search box of the top bar: vessels by name, MMSI, IMO or call sign; a container by its
// number (for accounts that may read containers).

import * as api from './api.js';
import { containerText, isContainerNumber } from './containers.js';
import { h } from './format.js';

/** Searches as `input` is typed into (200 ms after the last key) and lists the vessels found
 * in `list`; `onChoose(vessel)` gets the one clicked, or the first on Enter. */
export function setupSearch(input, list, onChoose, onContainer = null) {
  let timer = null;
  let results = [];
  const choose = (vessel) => {
    list.hidden = true;
    input.value = '';
    input.blur();
    onChoose(vessel);
  };
  const openContainer = (number) => {
    list.hidden = true;
    input.value = '';
    input.blur();
    onContainer(number);
  };
  const run = async () => {
    const q = input.value.trim();
    if (!q) {
      list.hidden = true;
      return;
    }
    if (onContainer && isContainerNumber(q)) {
      const number = containerText(q);
      list.hidden = false;
      list.replaceChildren(h('li', { role: 'option' }, h('button', { onclick: () => openContainer(number) }, h('b', {}, number), ' · container')));
      results = [];
      return;
    }
    list.hidden = false;
    list.replaceChildren(h('li', { class: 'state' }, 'Searching…'));
    try {
      results = await api.searchVessels(q);
    } catch (error) {
      list.replaceChildren(h('li', { class: 'state error' }, `Search failed: ${error.message}`));
      return;
    }
    list.replaceChildren(...(results.length ? results.map((v) => h('li', { role: 'option' },
      h('button', { onclick: () => choose(v) }, h('b', {}, v.name ?? 'unnamed'),
        ` · MMSI ${v.mmsi}`, v.imo ? ` · IMO ${v.imo}` : '', v.call_sign ? ` · ${v.call_sign}` : '')))
      : [h('li', { class: 'state empty' }, `No vessel matches “${q}”.`)]));
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && onContainer && isContainerNumber(input.value)) openContainer(containerText(input.value));
    else if (event.key === 'Enter' && results.length) choose(results[0]);
  });
}
