// Finds the headless Chromium the dashboard's browser tests and screenshots drive through playwright-core (Debian's
// `chromium`, installed as root when missing, as redis-server is), and the flags it runs with.
import { existsSync } from 'node:fs';
import { aptInstall } from './redis-server.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** No sandbox (containers run as root), no GPU, and nothing fetched from the network by the browser itself. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error(`Chromium is not at ${CHROMIUM_PATH}. Install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH).`);
  aptInstall('chromium', () => existsSync(CHROMIUM_PATH));
}

/** playwright-core's chromium.launch options for it. */
export function chromiumLaunchOptions() {
  ensureChromium();
  return { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true };
}
