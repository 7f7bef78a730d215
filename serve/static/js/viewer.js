// The page viewer: one page image of a stored document, the cited box drawn over it, zoom and previous/next page.
// Boxes are PDF points with the origin at the page's top-left; the page size in points comes with the image
// (X-Page-Width / X-Page-Height) or from /api/pages/{doc_id}/{page}/info, so a box scales to the displayed image
// whatever its resolution or zoom.
import { getBlob, getJSON } from './api.js';
import { clear, docText, el } from './dom.js';
import { t } from './i18n.js';

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

export class Viewer {
  constructor(root) {
    this.root = root;
    this.image = root.querySelector('.page-image');
    this.boxes = root.querySelector('.page-boxes');
    this.title = root.querySelector('.viewer-title');
    this.pageLabel = root.querySelector('.page-number');
    this.zoomLabel = root.querySelector('.zoom-level');
    this.message = root.querySelector('.viewer-message');
    this.prev = root.querySelector('.prev-page');
    this.next = root.querySelector('.next-page');
    this.zoomIndex = ZOOMS.indexOf(1);
    this.doc = null;
    this.page = 1;
    this.cited = null;     // {page, bbox, span_bbox} drawn when that page is shown
    this.size = null;      // {width, height} of the shown page in PDF points
    this.sequence = 0;     // a newer load wins over an older one still in flight
    this.objectUrl = null;
    this.prev.addEventListener('click', () => this.go(this.page - 1));
    this.next.addEventListener('click', () => this.go(this.page + 1));
    root.querySelector('.zoom-in').addEventListener('click', () => this.zoom(1));
    root.querySelector('.zoom-out').addEventListener('click', () => this.zoom(-1));
    root.querySelector('.close-viewer').addEventListener('click', () => { root.hidden = true; });
    root.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowLeft') this.go(this.page - 1);
      if (event.key === 'ArrowRight') this.go(this.page + 1);
    });
    new ResizeObserver(() => this.drawBoxes()).observe(this.image);
  }

  /**
   * Show `page` of `doc` ({doc_id, source, pages}); `cited` ({bbox, span_bbox}) is highlighted on that page.
   * Resolves once the page is displayed.
   */
  async open(doc, page, cited = null) {
    this.doc = doc;
    this.cited = cited ? { page, bbox: cited.bbox || null, span_bbox: cited.span_bbox || null } : null;
    this.scrolled = false;
    this.root.hidden = false;
    clear(this.title).append(docText(doc.source || doc.doc_id));
    await this.go(page);
  }

  async go(page) {
    if (!this.doc) return;
    const last = this.doc.pages || page;
    if (page < 1 || page > last) return;
    this.page = page;
    this.pageLabel.textContent = t('viewer.page', { page, pages: last });
    this.prev.disabled = page <= 1;
    this.next.disabled = page >= last;
    this.root.dataset.page = String(page);
    await this.load();
  }

  async load() {
    const sequence = ++this.sequence;
    const base = `/api/pages/${encodeURIComponent(this.doc.doc_id)}/${this.page}`;
    this.root.classList.add('loading');
    this.message.textContent = '';
    clear(this.boxes);
    try {
      const { blob, headers } = await getBlob(base);
      let size = sizeFrom(headers);
      if (!size) size = sizeFrom(await getJSON(`${base}/info`).catch(() => null));
      if (sequence !== this.sequence) return;
      const url = URL.createObjectURL(blob);
      this.image.src = url;
      await this.image.decode().catch(() => {});
      if (sequence !== this.sequence) return;
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = url;
      // Without a size from the server, assume the image covers the whole page at the server's 110 dpi.
      this.size = size || { width: this.image.naturalWidth * 72 / 110, height: this.image.naturalHeight * 72 / 110 };
      this.applyZoom();
      this.root.classList.remove('loading');
      this.root.dataset.loaded = String(this.page);
    } catch (err) {
      if (sequence !== this.sequence) return;
      this.root.classList.remove('loading');
      this.image.removeAttribute('src');
      this.message.textContent = t('viewer.failed', { reason: err.message });
    }
  }

  zoom(step) {
    this.zoomIndex = Math.min(ZOOMS.length - 1, Math.max(0, this.zoomIndex + step));
    this.applyZoom();
  }

  applyZoom() {
    const zoom = ZOOMS[this.zoomIndex];
    this.image.style.width = `${zoom * 100}%`;
    this.zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    this.drawBoxes();
  }

  /** Draw the cited box (and the cited cell/row/sentence inside it) over the image at its displayed size. */
  drawBoxes() {
    clear(this.boxes);
    if (!this.size || !this.cited || this.cited.page !== this.page || !this.image.naturalWidth) return;
    const sx = this.image.clientWidth / this.size.width;
    const sy = this.image.clientHeight / this.size.height;
    const place = (bbox, cls) => {
      const [x0, y0, x1, y1] = bbox;
      const box = el('div', { class: cls, dataset: { bbox: bbox.join(',') } });
      Object.assign(box.style, {
        left: `${x0 * sx}px`, top: `${y0 * sy}px`, width: `${(x1 - x0) * sx}px`, height: `${(y1 - y0) * sy}px`,
      });
      this.boxes.append(box);
      return box;
    };
    if (this.cited.bbox) place(this.cited.bbox, 'hl-box');
    if (this.cited.span_bbox) place(this.cited.span_bbox, 'hl-span');
    const first = this.boxes.firstElementChild;
    if (first && !this.scrolled) {
      this.scrolled = true;
      first.scrollIntoView({ block: 'center', inline: 'nearest' });
    }
  }
}

function sizeFrom(source) {
  if (!source) return null;
  const get = (key) => (typeof source.get === 'function' ? source.get(key) : source[key]);
  const width = Number(get('X-Page-Width') ?? get('width'));
  const height = Number(get('X-Page-Height') ?? get('height'));
  return width > 0 && height > 0 ? { width, height } : null;
}
