/**
 * Debian's Chromium driven through playwright-core (test tools cannot
 * download browsers here; .ci/run installs it with apt-get), for the web
 * client's browser test and its benchmark row, and the chain's render timing
 * read from the page (web-client/src/chain/renderTiming.ts).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What web-client/src/chain/renderTiming.ts keeps on the page's window. */
interface Timed {
  __chainRenderMs?: number[];
  __chainFrameMs?: number[];
}

export interface Spread {
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

/** Median, 95th percentile and maximum of `values`, ms. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { medianMs: at(0.5), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1] ?? NaN };
}

export interface ChainRenderTiming {
  updates: number;
  /** From a message's arrival until the table has written it into the DOM. */
  toDom: Spread;
  /** From its arrival until the browser has painted the next frame after it. */
  toNextFrame: Spread;
}

/** The chain updates the open chain page renders over `ms`, timed in the page. */
export async function timeChainUpdates(page: Page, ms: number): Promise<ChainRenderTiming> {
  await page.evaluate(() => {
    const timed = window as unknown as Timed;
    timed.__chainRenderMs = [];
    timed.__chainFrameMs = [];
  });
  await page.waitForTimeout(ms);
  const { render, frame } = await page.evaluate(() => {
    const timed = window as unknown as Timed;
    return { render: timed.__chainRenderMs ?? [], frame: timed.__chainFrameMs ?? [] };
  });
  return { updates: render.length, toDom: spread(render), toNextFrame: spread(frame) };
}
