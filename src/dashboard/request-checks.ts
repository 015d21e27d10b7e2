import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Fields } from './dashboard-actions.js';
import { escapeHtml } from './html.js';

/** A cross-site POST, by the headers browsers send (Sec-Fetch-Site, Origin): the reason, or null. */
export function crossSiteReason(headers: IncomingHttpHeaders): string | null {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request may not act on the dashboard.`;
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return `the Origin "${escapeHtml(origin)}" is not a URL.`;
    }
    const own = String(headers['x-forwarded-host'] ?? headers.host ?? '');
    if (host !== own) return `the request comes from ${host}, not ${own}.`;
  } else if (origin === 'null') {
    return 'a request from an opaque origin may not act on the dashboard.';
  }
  return null;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function formFields(body: unknown): Fields {
  const out: Fields = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
