// The library pane: the stored documents, drag-and-drop upload, live ingest progress (with cancel), failures with
// their reason, and remove.
import { ApiError, del, getJSON, postForm, postJSON } from './api.js';
import { clear, docText, el } from './dom.js';
import { t } from './i18n.js';

const POLL_MS = 500;

export class Library {
  /** `root`: the pane element; `onOpen(doc)`: show a document's first page. */
  constructor(root, { onOpen }) {
    this.root = root;
    this.onOpen = onOpen;
    this.documents = [];
    this.loaded = false;  // true once the document list has been read at least once
    this.listeners = [];
    this.list = root.querySelector('.doc-list');
    this.jobs = root.querySelector('.jobs');
    this.notices = root.querySelector('.notices');
    this.input = root.querySelector('input[type=file]');
    const zone = root.querySelector('.dropzone');
    root.querySelector('.choose-files').addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      if (this.input.files.length) this.upload([...this.input.files]);
      this.input.value = '';
    });
    for (const name of ['dragenter', 'dragover']) {
      zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add('dragging'); });
    }
    zone.addEventListener('keydown', (event) => {
      if (event.target === zone && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        this.input.click();
      }
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('dragging');
      const files = [...(event.dataTransfer?.files || [])];
      if (files.length) this.upload(files);
    });
  }

  /** Call `listener(documents)` whenever the document list changes. */
  onChange(listener) {
    this.listeners.push(listener);
  }

  /** The stored document with this doc_id, else the one stored under this file name. */
  find({ doc_id: docId, source }) {
    return this.documents.find((d) => docId && d.doc_id === docId)
      || this.documents.find((d) => source && d.source === source);
  }

  async refresh() {
    try {
      const body = await getJSON('/api/documents');
      this.documents = body.documents || [];
      this.loaded = true;
    } catch (err) {
      this.notify(t('library.loadFailed'), err.message);
      return;
    }
    this.render();
    for (const listener of this.listeners) listener(this.documents);
  }

  render() {
    clear(this.list);
    if (!this.documents.length) {
      this.list.append(el('li', { class: 'empty', text: t('library.empty') }));
      return;
    }
    for (const doc of this.documents) {
      const elements = doc.elements ?? doc.n_elements ?? 0;
      const item = el('li', { class: 'doc', dataset: { docId: doc.doc_id } },
        el('button', { class: 'doc-open', type: 'button', title: t('library.open'), onclick: () => this.onOpen(doc) },
          docText(doc.source, 'span', 'doc-name'),
          el('span', { class: 'doc-meta', text: t('library.meta', { pages: doc.pages, elements }) })),
        el('button', {
          class: 'icon remove', type: 'button', title: t('library.remove'), 'aria-label': t('library.remove'),
          onclick: () => this.remove(doc),
        }, '×'));
      this.list.append(item);
    }
  }

  async remove(doc) {
    if (!window.confirm(t('library.confirmRemove', { name: doc.source }))) return;
    try {
      await del(`/api/documents/${encodeURIComponent(doc.doc_id)}`);
    } catch (err) {
      this.notify(t('library.removeFailed', { name: doc.source }), err.message);
    }
    await this.refresh();
  }

  /** Upload `files` in one request and follow the ingest job it starts. */
  async upload(files) {
    const form = new FormData();
    for (const file of files) form.append('files', file, file.name);
    const row = this.jobRow(files.map((f) => f.name));
    row.label.textContent = t('job.uploading', { n: files.length });
    let job;
    try {
      job = (await postForm('/api/documents', form)).job;
    } catch (err) {
      row.item.remove();
      const names = files.map((f) => f.name).join(', ');
      const why = err instanceof ApiError && err.status === 413 ? t('job.tooLarge') : '';
      this.notify(t('job.uploadFailed', { names }), [why, err.message].filter(Boolean).join(' '));
      return;
    }
    await this.follow(job, row);
  }

  jobRow(names) {
    const label = el('span', { class: 'job-label' });
    const bar = el('progress', { max: 1, value: 0 });
    const cancel = el('button', { class: 'link job-cancel', type: 'button', text: t('job.cancel'), hidden: true });
    const item = el('li', { class: 'job' }, docText(names.join(', '), 'span', 'job-files'), bar,
      el('span', { class: 'job-status' }, label, cancel));
    this.jobs.append(item);
    return { item, label, bar, cancel };
  }

  /** Ask the server to stop the job (a queued one ends at once, a running one after the current document). */
  async cancel(jobId, row) {
    row.cancel.disabled = true;
    try {
      await postJSON(`/api/jobs/${encodeURIComponent(jobId)}/cancel`, {});
      row.label.textContent = t('job.cancelling');
    } catch (err) {
      row.cancel.disabled = false;
      this.notify(t('job.cancelFailed'), err.message);
    }
  }

  async follow(jobId, row) {
    row.item.dataset.job = jobId;
    row.cancel.onclick = () => this.cancel(jobId, row);
    for (;;) {
      let job;
      try {
        job = await getJSON(`/api/jobs/${encodeURIComponent(jobId)}`);
      } catch (err) {
        row.item.remove();
        this.notify(t('job.lost'), err.message);
        return;
      }
      const total = job.files_total || 0;
      row.bar.max = Math.max(total, 1);
      row.bar.value = job.files_done || 0;
      row.item.dataset.state = job.state;
      const finished = job.state === 'done' || job.state === 'failed';
      if (!row.cancel.disabled || finished) {
        row.label.textContent = t(job.cancelled ? 'job.cancelled' : `job.${job.state}`,
          { done: job.files_done || 0, total });
      }
      row.cancel.hidden = finished;
      if (finished) {
        for (const failure of job.failed || []) this.notify(failure.source, failure.error);
        if (job.state === 'failed' && !(job.failed || []).length && job.error) this.notify(t('job.failed'), job.error);
        await this.refresh();
        setTimeout(() => row.item.remove(), 4000);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Show a failure that stays until dismissed: what failed and the server's reason. */
  notify(what, reason) {
    const item = el('li', { class: 'notice failure', role: 'alert' },
      docText(what, 'strong', 'notice-what'),
      docText(reason || '', 'span', 'notice-reason'),
      el('button', {
        class: 'icon dismiss', type: 'button', 'aria-label': t('notice.dismiss'), title: t('notice.dismiss'),
        onclick: () => item.remove(),
      }, '×'));
    this.notices.append(item);
  }
}
