// Chat: the question box (with an attached image), the answer streaming in, citation chips that open the page
// viewer on the cited box, and crops of cited tables and figures. A session id keeps the conversation for
// follow-ups.
import { postEvents } from './api.js';
import { cropUrl, lazyImage } from './crops.js';
import { clear, docText, el, readDataUrl } from './dom.js';
import { t } from './i18n.js';

// [S1] or [S1, S2]: the answer's citation keys.
const CITATION = /\[(S\d+(?:\s*,\s*S\d+)*)\]/g;

export class Chat {
  constructor(root, { viewer, library }) {
    this.root = root;
    this.viewer = viewer;
    this.library = library;
    this.messages = root.querySelector('.messages');
    this.form = root.querySelector('form.ask');
    this.question = this.form.querySelector('textarea');
    this.attachInput = this.form.querySelector('input[type=file]');
    this.attachments = this.form.querySelector('.attachments');
    this.submit = this.form.querySelector('button[type=submit]');
    this.images = [];
    this.session = newSession();
    this.llm = new URLSearchParams(window.location.search).get('llm');
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this.ask(); });
    this.question.addEventListener('keydown', (event) => {
      // isComposing: Enter that ends a Korean (IME) composition must not send the half-typed question.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.ask();
      }
    });
    this.form.querySelector('.attach').addEventListener('click', () => this.attachInput.click());
    this.attachInput.addEventListener('change', () => {
      for (const file of this.attachInput.files) this.attach(file);
      this.attachInput.value = '';
    });
    this.question.addEventListener('paste', (event) => {
      for (const item of event.clipboardData?.files || []) if (item.type.startsWith('image/')) this.attach(item);
    });
    root.querySelector('.new-chat').addEventListener('click', () => this.reset());
  }

  reset() {
    this.session = newSession();
    clear(this.messages);
    this.images = [];
    clear(this.attachments);
  }

  async attach(file) {
    const url = await readDataUrl(file);
    this.images.push(url);
    const chip = el('span', { class: 'attachment' },
      el('img', { src: url, alt: file.name }),
      el('button', {
        type: 'button', class: 'icon', 'aria-label': t('chat.detach'), title: t('chat.detach'),
        onclick: () => { this.images = this.images.filter((u) => u !== url); chip.remove(); },
      }, '×'));
    this.attachments.append(chip);
  }

  async ask() {
    const question = this.question.value.trim();
    if (!question || this.submit.disabled) return;
    const images = this.images;
    this.question.value = '';
    this.images = [];
    clear(this.attachments);
    this.messages.append(el('div', { class: 'message user' },
      docText(question, 'p', 'text'), images.map((src) => el('img', { class: 'attached', src, alt: '' }))));
    if (this.library.loaded && !this.library.documents.length) {
      // Nothing to search: say where documents come from in this app, in the UI's language.
      this.messages.append(el('div', { class: 'message assistant unanswerable empty-library' },
        el('p', { class: 'answer-text', text: t('chat.emptyLibrary') })));
      return;
    }
    const text = el('div', { class: 'answer-text streaming' });
    const message = el('div', { class: 'message assistant', 'aria-busy': 'true' }, text);
    this.messages.append(message);
    message.scrollIntoView({ block: 'end' });
    this.submit.disabled = true;
    let streamed = '';
    let answered = false;
    const body = { question, stream: true, session: this.session };
    if (images.length) body.images = images;
    if (this.llm) body.llm = this.llm;
    try {
      await postEvents('/api/ask', body, (name, data) => {
        if (name === 'token') {
          streamed += typeof data === 'string' ? data : (data.text ?? data.token ?? data.delta ?? '');
          text.textContent = streamed;
          message.scrollIntoView({ block: 'end' });
        } else if (name === 'answer') {
          answered = true;
          if (data.session) this.session = data.session;
          this.render(message, data);
        } else if (name === 'error') {
          throw new Error(typeof data === 'string' ? data : (data.error ?? data.detail ?? JSON.stringify(data)));
        }
      });
      if (!answered) throw new Error(t('chat.noAnswer'));
    } catch (err) {
      message.classList.add('failure');
      message.append(el('p', { class: 'error', role: 'alert', text: t('chat.failed', { reason: err.message }) }));
    } finally {
      message.removeAttribute('aria-busy');
      text.classList.remove('streaming');
      this.submit.disabled = false;
      this.question.focus();
    }
  }

  /** Replace the streamed text by the final answer with its citation chips, cited crops and notes. */
  render(message, answer) {
    const citations = new Map((answer.citations || []).map((c) => [c.key, c]));
    const text = message.querySelector('.answer-text');
    clear(text);
    if (/[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(answer.answer || '')) text.lang = 'ko';
    let last = 0;
    const source = answer.answer || '';
    for (const match of source.matchAll(CITATION)) {
      text.append(source.slice(last, match.index));
      for (const key of match[1].split(/\s*,\s*/)) {
        const citation = citations.get(key);
        text.append(citation ? this.chip(citation, key) : `[${key}]`);
      }
      last = match.index + match[0].length;
    }
    text.append(source.slice(last));
    if (answer.answerable === false) message.classList.add('unanswerable');
    if (citations.size) {
      message.append(el('div', { class: 'citations' },
        [...citations.values()].map((c) => this.chip(c, `${c.key} · ${c.source} · ${t('chat.pageShort', { page: c.page })}`))));
    }
    const crops = [...citations.values()].filter(cropUrl);
    if (crops.length) {
      message.append(el('div', { class: 'crops' }, crops.map((c) => el('figure', {},
        lazyImage(cropUrl(c), `${c.key} ${c.kind}`, 'crop'),
        el('figcaption', {}, el('button', { type: 'button', class: 'link', onclick: () => this.show(c) },
          `${c.key} · ${t(`kind.${c.kind}`)} · `, docText(c.source), ` · ${t('chat.pageShort', { page: c.page })}`))))));
    }
    // An extractive answer's note already says it is extractive (and why); the label is for when it says nothing.
    const label = answer.mode === 'extractive' ? (answer.note ? null : t('chat.extractive')) : answer.model;
    const meta = [label, answer.note !== answer.answer ? answer.note : null].filter(Boolean);
    if (meta.length) message.append(docText(meta.join(' · '), 'p', 'meta'));
  }

  chip(citation, label) {
    const where = `${citation.source} · ${t('chat.pageShort', { page: citation.page })}`;
    const chip = el('button', {
      type: 'button', class: 'cite-chip', title: where, dataset: { key: citation.key },
      onclick: () => this.show(citation),
    });
    chip.append(docText(label));
    return chip;
  }

  /** Open the viewer on the citation's page with its box highlighted. */
  show(citation) {
    const doc = this.library.find(citation) || { doc_id: citation.doc_id, source: citation.source, pages: null };
    const known = { ...doc, doc_id: citation.doc_id || doc.doc_id };
    return this.viewer.open(known, citation.page, citation);
  }
}

function newSession() {
  return window.crypto?.randomUUID ? window.crypto.randomUUID() : `s${Date.now()}${Math.random().toString(16).slice(2)}`;
}
