/**
 * The scenarios shipped with the simulator, by name (SIM_SCENARIO=<name>).
 * Each is a JSON file in ./named/, documented in ./named/README.md; they go
 * through the same validation as a scenario file of one's own.
 */
import liquidityCrunch from './named/liquidity-crunch.json' with { type: 'json' };
import quiet from './named/quiet.json' with { type: 'json' };
import session from './named/session.json' with { type: 'json' };
import trendUpWithPutWriting from './named/trend-up-with-put-writing.json' with { type: 'json' };
import vixDivergence from './named/vix-divergence.json' with { type: 'json' };
import volSpike from './named/vol-spike.json' with { type: 'json' };
import { parseScenario, type Scenario } from './scenario.ts';

const NAMED: Record<string, unknown> = {
  quiet,
  'trend-up-with-put-writing': trendUpWithPutWriting,
  'vol-spike': volSpike,
  'liquidity-crunch': liquidityCrunch,
  'vix-divergence': vixDivergence,
  session,
};

export const NAMED_SCENARIOS: readonly string[] = Object.keys(NAMED);

/** The named scenario, validated; undefined for an unknown name. */
export function namedScenario(name: string): Scenario | undefined {
  const value = Object.hasOwn(NAMED, name) ? NAMED[name] : undefined;
  return value === undefined ? undefined : parseScenario(value, `"${name}"`);
}
