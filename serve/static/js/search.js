// Search: a query with kind, page and document filters, or an image; results with thumbnails that jump to the
// page in the viewer.
import { postForm, postJSON } from './api.js';
import { cropUrl, lazyImage } from './crops.js';
import { clear, docText, el } from './dom.js';
import { t } from './i18n.js';

export class Search {
  constructor(root, { viewer, library }) {
    this.root = root;
    this.viewer = viewer;
    this.library = library;
    this.form = root.querySelector('form.search-form');
    this.results = root.querySelector('.results');
    this.status = root.querySelector('.search-status');
    this.documentSelect = this.form.elements.source;
    this.imageInput = root.querySelector('.image-search input[type=file]');
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this.search(); });
    root.querySelector('.image-search button').addEventListener('click', () => this.imageInput.click());
    this.imageInput.addEventListener('change', () => {
      const [file] = this.imageInput.files;
      this.imageInput.value = '';
      if (file) this.searchImage(file);
    });
    library.onChange((documents) => this.fillDocuments(documents));
  }

  fillDocuments(documents) {
    const chosen = this.documentSelect.value;
    const names = [...new Set(documents.map((d) => d.source))].sort();
    clear(this.documentSelect).append(el('option', { value: '', text: t('search.allDocuments') }),
      ...names.map((name) => el('option', { value: name, text: name })));
    if (names.includes(chosen)) this.documentSelect.value = chosen;
  }

  filters() {
    const form = this.form.elements;
    const body = { k: Number(form.k.value) || 10 };
    if (form.kind.value) body.kind = form.kind.value;
    if (form.pages.value.trim()) body.pages = form.pages.value.trim();
    if (form.source.value) body.source = form.source.value;
    return body;
  }

  async search() {
    const query = this.form.elements.query.value.trim();
    if (!query) return;
    await this.run(() => postJSON('/api/search', { query, ...this.filters() }));
  }

  async searchImage(file) {
    const form = new FormData();
    form.append('image', file, file.name);
    for (const [key, value] of Object.entries(this.filters())) form.append(key, String(value));
    await this.run(() => postForm('/api/search/image', form));
  }

  async run(call) {
    clear(this.results);
    this.status.textContent = t('search.searching');
    this.root.setAttribute('aria-busy', 'true');
    try {
      const { hits = [] } = await call();
      this.status.textContent = hits.length ? t('search.count', { n: hits.length }) : t('search.none');
      for (const hit of hits) this.results.append(this.card(hit));
    } catch (err) {
      this.status.textContent = t('search.failed', { reason: err.message });
    } finally {
      this.root.removeAttribute('aria-busy');
    }
  }

  card(hit) {
    const doc = this.library.find(hit) || { doc_id: hit.doc_id, source: hit.source, pages: null };
    const docId = hit.doc_id || doc.doc_id;
    const open = () => this.viewer.open({ ...doc, doc_id: docId }, hit.page, hit);
    let thumb = null;
    const crop = cropUrl(hit);
    if (crop) thumb = lazyImage(crop, hit.kind);
    else if (docId && hit.page) {
      const boxes = hit.bbox ? `?boxes=${hit.bbox.map((v) => v.toFixed(1)).join(',')}` : '';
      thumb = lazyImage(`/api/pages/${encodeURIComponent(docId)}/${hit.page}${boxes}`, t('search.pageThumb'));
    }
    return el('li', { class: 'hit' },
      el('button', { type: 'button', class: 'thumb-button', title: t('search.open'), onclick: open }, thumb),
      el('div', { class: 'hit-body' },
        el('div', { class: 'hit-meta' },
          docText(hit.source, 'span', 'hit-source'),
          el('span', { text: ` · ${t('chat.pageShort', { page: hit.page })} · ${t(`kind.${hit.kind}`)}` }),
          typeof hit.score === 'number' ? el('span', { class: 'score', text: ` · ${hit.score.toFixed(3)}` }) : null),
        docText(hit.text || '', 'p', 'hit-text'),
        el('button', { type: 'button', class: 'link jump', onclick: open, text: t('search.open') })));
  }
}
