/**
 * The web client's chain page in Debian's Chromium (test/support/browser.ts)
 * against the real platform (main.ts after the web client's build, as
 * `npm start` runs them) with NIFTY's chain of 2 × strikesEachSide + 1
 * strikes ticking every second: how long each update takes in the page, into
 * the DOM and to the next painted frame (goal: < 16 ms), over `seconds`,
 * with the whole chain shown (depth all, Greeks on); and the bundle's size.
 */
import { ensureWebClientBuilt, type BuildReport } from '../web-client/build.ts';
import { startRealServer } from '../test/realServer.ts';
import { launchChromium, timeChainUpdates, type ChainRenderTiming } from '../test/support/browser.ts';

export interface WebClientBenchResult extends ChainRenderTiming {
  strikes: number;
  seconds: number;
  bundle: BuildReport;
}

export async function runWebClientBench({ seconds = 30, strikesEachSide = 100 } = {}): Promise<WebClientBenchResult> {
  const { report: bundle } = await ensureWebClientBuilt({ log: () => {} });
  const server = await startRealServer({ SYMBOLS: 'NIFTY', SIM_STRIKES_EACH_SIDE: String(strikesEachSide), SIM_TICK_MS: '1000' }, { readyTimeoutMs: 90_000 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const strikes = 2 * strikesEachSide + 1;
    await page.goto(`${server.origin}/#/chain?greeks=1&depth=all`);
    await page.waitForSelector(`table.chain[aria-rowcount="${strikes + 2}"]`, { timeout: 30_000 });
    return { strikes, seconds, bundle, ...(await timeChainUpdates(page, seconds * 1000)) };
  } finally {
    await browser.close();
    await server.stop();
  }
}
