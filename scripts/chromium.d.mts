// Types of chromium.mjs, for the TypeScript tests that import it.
export const CHROMIUM_PATH: string;
export const CHROMIUM_ARGS: string[];
export function ensureChromium(): void;
export function chromiumLaunchOptions(): { executablePath: string; args: string[]; headless: boolean };
