// Entry point: UI language, tabs, and the library, chat, search and viewer panes wired together.
import { getJSON } from './api.js';
import { Chat } from './chat.js';
import { applyI18n, t } from './i18n.js';
import { Library } from './library.js';
import { Search } from './search.js';
import { Viewer } from './viewer.js';

applyI18n(document);

const viewer = new Viewer(document.getElementById('viewer'));
const library = new Library(document.getElementById('library'), {
  onOpen: (doc) => viewer.open(doc, 1),
});
const chat = new Chat(document.getElementById('chat-pane'), { viewer, library });
const search = new Search(document.getElementById('search-pane'), { viewer, library });

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('.tab')) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      document.getElementById(other.dataset.pane).hidden = !selected;
    }
  });
}

const status = document.querySelector('.server-status');
library.onChange((documents) => {
  status.textContent = documents.length === 1 ? t('status.document') : t('status.documents', { n: documents.length });
  status.classList.remove('offline');
});

getJSON('/api/health')
  .then(() => library.refresh())
  .catch((err) => {
    status.textContent = `${t('status.offline')}: ${err.message}`;
    status.classList.add('offline');
  })
  .finally(() => { document.body.dataset.ready = 'true'; });

// For debugging from the console; nothing else reads it.
window.docrag = { viewer, library, chat, search };
