/**
 * Named strategies, instantiated around the ATM strike of a chain as legs the
 * user can edit (legs.ts). Each template is data: its legs as offsets from
 * the ATM strike in widths (one width = `widthStrikes` listed strike steps),
 * bought or sold, in multiples of the lots asked for, on the near expiry or
 * (calendars and diagonals) the far one. A strike that falls outside the
 * listed ones is moved to the nearest listed strike.
 */
import type { LegAction, OptionRight, StrategyLeg } from './legs.ts';
import { StrategyInputError } from './resolve.ts';

interface TemplateLeg {
  instrument: 'OPTION' | 'FUTURE';
  right?: OptionRight;
  /** Strike offset from ATM, in widths. */
  offset?: number;
  action: LegAction;
  /** Lots as a multiple of the lots asked for. */
  ratio?: number;
  /** On the far expiry. */
  far?: boolean;
}

export interface StrategyTemplate {
  /** Identifier, e.g. IRON_CONDOR. */
  name: string;
  label: string;
  description: string;
  /** Whether it needs a second (far) expiry: calendars and diagonals. */
  needsFarExpiry: boolean;
  legs: readonly TemplateLeg[];
}

const call = (offset: number, action: LegAction, ratio = 1, far = false): TemplateLeg => ({ instrument: 'OPTION', right: 'CALL', offset, action, ratio, far });
const put = (offset: number, action: LegAction, ratio = 1, far = false): TemplateLeg => ({ instrument: 'OPTION', right: 'PUT', offset, action, ratio, far });
const future = (action: LegAction): TemplateLeg => ({ instrument: 'FUTURE', action });

const template = (name: string, label: string, description: string, legs: TemplateLeg[]): StrategyTemplate => ({ name, label, description, needsFarExpiry: legs.some((l) => l.far), legs });

export const STRATEGY_TEMPLATES: readonly StrategyTemplate[] = [
  template('LONG_CALL', 'Long call', 'Buy the ATM call: bullish, loss limited to the premium.', [call(0, 'BUY')]),
  template('LONG_PUT', 'Long put', 'Buy the ATM put: bearish, loss limited to the premium.', [put(0, 'BUY')]),
  template('LONG_STRADDLE', 'Long straddle', 'Buy the ATM call and put: a big move either way.', [call(0, 'BUY'), put(0, 'BUY')]),
  template('SHORT_STRADDLE', 'Short straddle', 'Sell the ATM call and put: a quiet market; loss unlimited.', [call(0, 'SELL'), put(0, 'SELL')]),
  template('LONG_STRANGLE', 'Long strangle', 'Buy a call one width above and a put one width below ATM.', [call(1, 'BUY'), put(-1, 'BUY')]),
  template('SHORT_STRANGLE', 'Short strangle', 'Sell a call one width above and a put one width below ATM.', [call(1, 'SELL'), put(-1, 'SELL')]),
  template('BULL_CALL_SPREAD', 'Bull call spread', 'Buy the ATM call, sell the call one width above: a debit.', [call(0, 'BUY'), call(1, 'SELL')]),
  template('BEAR_CALL_SPREAD', 'Bear call spread', 'Sell the ATM call, buy the call one width above: a credit.', [call(0, 'SELL'), call(1, 'BUY')]),
  template('BULL_PUT_SPREAD', 'Bull put spread', 'Sell the ATM put, buy the put one width below: a credit.', [put(0, 'SELL'), put(-1, 'BUY')]),
  template('BEAR_PUT_SPREAD', 'Bear put spread', 'Buy the ATM put, sell the put one width below: a debit.', [put(0, 'BUY'), put(-1, 'SELL')]),
  template('IRON_CONDOR', 'Iron condor', 'Sell the strangle one width out, buy the wings two widths out: a credit with capped loss.', [put(-2, 'BUY'), put(-1, 'SELL'), call(1, 'SELL'), call(2, 'BUY')]),
  template('IRON_BUTTERFLY', 'Iron butterfly', 'Sell the ATM straddle, buy the wings one width out.', [put(-1, 'BUY'), put(0, 'SELL'), call(0, 'SELL'), call(1, 'BUY')]),
  template('LONG_CALL_BUTTERFLY', 'Long call butterfly', 'Buy calls one width either side, sell two ATM calls.', [call(-1, 'BUY'), call(0, 'SELL', 2), call(1, 'BUY')]),
  template('LONG_PUT_BUTTERFLY', 'Long put butterfly', 'Buy puts one width either side, sell two ATM puts.', [put(-1, 'BUY'), put(0, 'SELL', 2), put(1, 'BUY')]),
  template('BROKEN_WING_CALL_BUTTERFLY', 'Broken-wing call butterfly', 'Buy the ATM call, sell two one width above, buy one three widths above: no loss below.', [call(0, 'BUY'), call(1, 'SELL', 2), call(3, 'BUY')]),
  template('BROKEN_WING_PUT_BUTTERFLY', 'Broken-wing put butterfly', 'Buy the ATM put, sell two one width below, buy one three widths below: no loss above.', [put(0, 'BUY'), put(-1, 'SELL', 2), put(-3, 'BUY')]),
  template('CALL_CALENDAR', 'Call calendar', 'Sell the near ATM call, buy the far ATM call.', [call(0, 'SELL'), call(0, 'BUY', 1, true)]),
  template('PUT_CALENDAR', 'Put calendar', 'Sell the near ATM put, buy the far ATM put.', [put(0, 'SELL'), put(0, 'BUY', 1, true)]),
  template('CALL_DIAGONAL', 'Call diagonal', 'Buy the far ATM call, sell the near call one width above.', [call(0, 'BUY', 1, true), call(1, 'SELL')]),
  template('PUT_DIAGONAL', 'Put diagonal', 'Buy the far ATM put, sell the near put one width below.', [put(0, 'BUY', 1, true), put(-1, 'SELL')]),
  template('CALL_RATIO_SPREAD', 'Call ratio spread (1×2)', 'Buy the ATM call, sell two calls one width above: loss unlimited above.', [call(0, 'BUY'), call(1, 'SELL', 2)]),
  template('PUT_RATIO_SPREAD', 'Put ratio spread (1×2)', 'Buy the ATM put, sell two puts one width below.', [put(0, 'BUY'), put(-1, 'SELL', 2)]),
  template('JADE_LIZARD', 'Jade lizard', 'Sell a put one width below, sell a call one width above and buy the call two widths above: no risk above when the credit exceeds the call spread.', [put(-1, 'SELL'), call(1, 'SELL'), call(2, 'BUY')]),
  template('COVERED_CALL_FUTURE', 'Covered call (future)', 'Buy the future, sell the call one width above.', [future('BUY'), call(1, 'SELL')]),
  template('PROTECTIVE_PUT', 'Protective put (future)', 'Buy the future and the ATM put: a long with a floor.', [future('BUY'), put(0, 'BUY')]),
  template('COLLAR', 'Collar (future)', 'Buy the future, buy the put one width below, sell the call one width above.', [future('BUY'), put(-1, 'BUY'), call(1, 'SELL')]),
  template('SYNTHETIC_LONG', 'Synthetic long future', 'Buy the ATM call, sell the ATM put.', [call(0, 'BUY'), put(0, 'SELL')]),
  template('SYNTHETIC_SHORT', 'Synthetic short future', 'Sell the ATM call, buy the ATM put.', [call(0, 'SELL'), put(0, 'BUY')]),
];

export interface TemplateParameters {
  /** The near expiry's listed strikes, ascending, and the far one's (when given). */
  strikes: readonly number[] | Float64Array;
  farStrikes?: readonly number[] | Float64Array;
  /** The ATM strike (nearest the forward) and the strike step, index points. */
  atmStrike: number;
  strikeStep: number;
  /** Listed strike steps per width (≥ 1). */
  widthStrikes: number;
  expiry: string;
  /** The far expiry, for calendars and diagonals. */
  farExpiry?: string;
  lots: number;
}

function nearestListed(strikes: readonly number[] | Float64Array, target: number): number {
  let best = strikes[0];
  for (const s of strikes) if (Math.abs(s - target) < Math.abs(best - target)) best = s;
  return best;
}

/** The legs of a named template (see the module doc); StrategyInputError naming `name`, `farExpiry`, `widthStrikes` or `lots`. */
export function instantiateTemplate(name: string, p: TemplateParameters): StrategyLeg[] {
  const found = STRATEGY_TEMPLATES.find((t) => t.name === name);
  if (!found) throw new StrategyInputError('name', null, `Unknown template ${JSON.stringify(name)}; templates: ${STRATEGY_TEMPLATES.map((t) => t.name).join(', ')}`);
  if (!Number.isInteger(p.widthStrikes) || p.widthStrikes < 1 || p.widthStrikes > 100) throw new StrategyInputError('widthStrikes', null, `widthStrikes must be a whole number from 1 to 100, got ${p.widthStrikes}`);
  if (!Number.isInteger(p.lots) || p.lots < 1) throw new StrategyInputError('lots', null, `lots must be a positive whole number, got ${p.lots}`);
  if (found.needsFarExpiry && !(p.farExpiry && p.farExpiry > p.expiry)) {
    throw new StrategyInputError('farExpiry', null, `${found.label} needs a far expiry after ${p.expiry}${p.farExpiry ? `, got ${p.farExpiry}` : ''}`);
  }
  const width = p.widthStrikes * p.strikeStep;
  return found.legs.map((leg): StrategyLeg => {
    const expiry = leg.far ? p.farExpiry! : p.expiry;
    const lots = p.lots * (leg.ratio ?? 1);
    if (leg.instrument === 'FUTURE') return { instrument: 'FUTURE', expiry, action: leg.action, lots };
    const strike = nearestListed(leg.far && p.farStrikes ? p.farStrikes : p.strikes, p.atmStrike + (leg.offset ?? 0) * width);
    return { instrument: 'OPTION', right: leg.right!, strike, expiry, action: leg.action, lots };
  });
}
