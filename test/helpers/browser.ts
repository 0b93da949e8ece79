import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';

/**
 * Debian's chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH. The
 * browser tests drive it headless through the DevTools protocol; nothing is downloaded.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((file): file is string => file !== undefined && file !== '' && existsSync(file));
}

export const NO_CHROMIUM = 'skipped: no chromium binary (install Debian\'s chromium package or set CHROMIUM_PATH; .ci/run installs it)';

export function launchChromium(executablePath: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath,
    headless: true,
    // root in a container: no user namespaces for the sandbox; /dev/shm is small there
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}
