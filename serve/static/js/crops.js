// Crops of tables and figures (GET /api/elements/{key}/crop), loaded with the API's token.
import { getBlob } from './api.js';
import { el } from './dom.js';

/** The crop address of a hit or citation that is a table or figure with a stored crop, else null. */
export function cropUrl(item) {
  if (!item || !['table', 'figure'].includes(item.kind)) return null;
  if (item.crop_url) return item.crop_url;
  const key = item.element_id ?? item.element ?? item.id;
  return key ? `/api/elements/${encodeURIComponent(key)}/crop` : null;
}

/** An <img> that fills in from `url` once fetched; left out of the page if the fetch fails. */
export function lazyImage(url, alt, cls = 'thumb') {
  const image = el('img', { class: cls, alt: alt || '', loading: 'lazy' });
  getBlob(url)
    .then(({ blob }) => { image.src = URL.createObjectURL(blob); })
    .catch(() => image.remove());
  return image;
}
