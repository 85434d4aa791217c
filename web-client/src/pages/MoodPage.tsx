/**
 * Market mood: the gauge (index 0–100, fear to greed) with its components,
 * the overview across symbols, and the live events feed (the latest events,
 * then each new one on top; at most 50 kept).
 *
 * During a playback the gauge and its components are the replayed symbol's
 * mood as stored at each frame's instant (the frame carries it), and the
 * events those stored up to that instant (read again at most every 2 s as
 * the frames advance); the overview across symbols stays as it was when the
 * playback started (it has no past form), and says so.
 */
import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { EventsAtQuery, EventsSubscription, MoodQuery, MoodSubscription } from '../documents.ts';
import { usePlaybackInstant, useRefreshing } from '../charts/useRefreshing.ts';
import { useSelection } from '../selection.tsx';
import type { EventFieldsFragment, MoodFieldsFragment } from '../gql/graphql.ts';
import { istTime, num, pct, signed } from '../format.ts';

const MAX_EVENTS = 50;

function Gauge({ index, band }: { index: number | null; band: string | null }) {
  const value = Math.max(0, Math.min(100, index ?? 50));
  const angle = Math.PI * (1 - value / 100);
  const x = 100 + 80 * Math.cos(angle);
  const y = 100 - 80 * Math.sin(angle);
  return (
    <svg className="gauge" viewBox="0 0 200 120" role="img" aria-label={`Mood index ${num(index, 0)} of 100: ${band ?? 'unknown'}`}>
      <defs>
        <linearGradient id="mood-gradient">
          <stop offset="0" stopColor="#ef5350" />
          <stop offset="0.5" stopColor="#ffca28" />
          <stop offset="1" stopColor="#66bb6a" />
        </linearGradient>
      </defs>
      <path d="M20 100 A80 80 0 0 1 180 100" fill="none" stroke="url(#mood-gradient)" strokeWidth="16" strokeLinecap="round" />
      <line x1="100" y1="100" x2={x} y2={y} stroke="currentColor" strokeWidth="3" />
      <circle cx="100" cy="100" r="5" fill="currentColor" />
      <text x="100" y="86" textAnchor="middle" fontSize="20" fill="currentColor">
        {num(index, 0)}
      </text>
      <text x="100" y="118" textAnchor="middle" fontSize="11" fill="currentColor">
        {(band ?? '–').replace('_', ' ')}
      </text>
    </svg>
  );
}

export function MoodPage() {
  const { symbol: picked, playbackRequest, playback } = useSelection();
  const replaying = playbackRequest != null;
  // A playback replays its own symbol.
  const symbol = playbackRequest?.symbol ?? picked;
  const initial = useRefreshing(MoodQuery, { symbol }, 10_000);
  const [live] = useSubscription({ query: MoodSubscription, variables: { symbol }, pause: replaying });
  const [events, setEvents] = useState<EventFieldsFragment[]>([]);
  useSubscription({ query: EventsSubscription, pause: replaying }, (_: unknown, data) => {
    setEvents((list) => [data.marketEvents, ...list].slice(0, MAX_EVENTS));
    return data;
  });
  useEffect(() => setEvents([]), [symbol, replaying]);
  const at = usePlaybackInstant(2_000);
  const [past] = useQuery({ query: EventsAtQuery, variables: { symbol, until: at ?? '' }, pause: at === null });
  const mood: MoodFieldsFragment | null = replaying ? (playback?.mood ?? null) : (live.data?.moodUpdated ?? initial.data?.marketMood ?? null);
  const feed = replaying
    ? (past.data?.analyticsEvents.edges.map((e) => e.node) ?? [])
    : [...events, ...(initial.data?.analyticsEvents.edges.map((e) => e.node) ?? [])].slice(0, MAX_EVENTS);
  return (
    <section aria-labelledby="mood-title">
      <div className="toolbar">
        <h1 id="mood-title">Market mood</h1>
      </div>
      {!replaying && initial.error && <p className="error">{initial.error.message}</p>}
      {past.error && <p className="error">{past.error.message}</p>}
      <div className="grid">
        <figure className="card" data-chart="mood" data-replayed={replaying ? 'true' : undefined}>
          <figcaption>
            {symbol} mood{' '}
            <small data-testid="mood-time">
              {mood ? istTime(mood.timestamp) : replaying ? 'none stored by this instant' : 'no mood yet'}
              {replaying ? ` (replayed: frame at ${istTime(playback?.timestamp)})` : ''}
            </small>
          </figcaption>
          <Gauge index={mood?.index ?? null} band={mood?.band ?? null} />
          <table className="compact" aria-label="Mood components">
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col">Score (0–100)</th>
                <th scope="col">Raw</th>
                <th scope="col">Weight</th>
              </tr>
            </thead>
            <tbody>
              {mood?.components.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <span className="score" style={{ width: `${Math.max(0, Math.min(100, c.score ?? 0))}%` }} aria-hidden="true" />
                    {num(c.score, 0)}
                  </td>
                  <td>
                    {num(c.raw, 2)} <small>{c.unit}</small>
                  </td>
                  <td>{pct(c.effectiveWeight, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
        <figure className="card">
          <figcaption>Market overview {replaying && <small>(as when the playback started: not replayed)</small>}</figcaption>
          <div className="table-scroll">
            <table className="compact" aria-label="Market overview">
              <thead>
                <tr>
                  <th scope="col">Symbol</th>
                  <th scope="col">Spot</th>
                  <th scope="col">Day chg</th>
                  <th scope="col">ATM IV</th>
                  <th scope="col">IV rank</th>
                  <th scope="col">PCR</th>
                  <th scope="col">Max pain</th>
                  <th scope="col">Mood</th>
                </tr>
              </thead>
              <tbody>
                {initial.data?.marketOverview.flatMap((o) => (o ? [o] : [])).map((o) => (
                  <tr key={o.symbol}>
                    <th scope="row">{o.symbol}</th>
                    <td>{num(o.spot)}</td>
                    <td className={(o.dayChangePoints ?? 0) >= 0 ? 'up' : 'down'}>
                      {signed(o.dayChangePoints)} ({signed(o.dayChangePercent)}%)
                    </td>
                    <td>{pct(o.atmIv)}</td>
                    <td>{num(o.ivRank, 0)}</td>
                    <td>{num(o.pcrOi)}</td>
                    <td>{num(o.maxPain, 0)}</td>
                    <td>
                      {num(o.moodIndex, 0)} {o.moodBand?.replace('_', ' ').toLowerCase() ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </figure>
        <figure className="card wide">
          <figcaption>Events {replaying && <small>(stored up to the frame's instant)</small>}</figcaption>
          <ol className="events" aria-label={replaying ? 'Replayed events' : 'Live events'} aria-live="polite">
            {feed.map((e, i) => (
              <li key={`${e.timestamp}-${e.kind}-${e.symbol}-${e.strike}-${e.side}-${i}`}>
                <time>{istTime(e.timestamp)}</time> <strong>{e.symbol}</strong> <span className="kind">{e.kind.replaceAll('_', ' ').toLowerCase()}</span> {e.strike != null ? num(e.strike, 0) : ''} {e.side ?? ''} — {e.reason}
              </li>
            ))}
            {feed.length === 0 && <li>No events yet.</li>}
          </ol>
        </figure>
      </div>
    </section>
  );
}
