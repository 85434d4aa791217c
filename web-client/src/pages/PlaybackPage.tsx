/**
 * Historical playback: pick a past range and a speed; every page then shows
 * the replayed chain (the header's progress bar says where it is) until
 * "Back to live".
 */
import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { ExpiriesQuery } from '../documents.ts';
import { useSelection } from '../selection.tsx';
import { useChain } from '../chain/useChain.ts';
import { AnalyticsStrip } from '../chain/AnalyticsStrip.tsx';
import { istTime } from '../format.ts';

/** A datetime-local input's value (local time) for an instant. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

const SPEEDS = [1, 10, 60, 300, 0];

export function PlaybackPage() {
  const { symbol, expiry, playbackRequest, playbackError, startPlayback } = useSelection();
  const [expiries] = useQuery({ query: ExpiriesQuery, variables: { symbol } });
  const withData = expiries.data?.expiryList.filter((e) => e.hasData) ?? [];
  const chosen = withData.find((e) => e.date === expiry) ?? withData[0];
  const [from, setFrom] = useState(() => localInput(Date.now() - 15 * 60_000));
  // The input keeps minutes only: the next minute, so the range takes in the latest snapshots.
  const [to, setTo] = useState(() => localInput(Date.now() + 60_000));
  const [speed, setSpeed] = useState(60);
  const { chain } = useChain();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    startPlayback({ symbol, expiry: chosen.date, from: new Date(from).toISOString(), to: new Date(to).toISOString(), speed });
  };
  return (
    <section aria-labelledby="playback-title">
      <div className="toolbar">
        <h1 id="playback-title">Historical playback</h1>
      </div>
      <form className="card form" onSubmit={submit}>
        <p>
          {symbol} {chosen ? `expiry ${chosen.date}, stored from ${istTime(chosen.firstSnapshotAt)} to ${istTime(chosen.lastSnapshotAt)} IST` : 'no stored expiry yet'}
        </p>
        <label>
          From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <label>
          Speed
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s === 0 ? 'as fast as possible' : `${s}×`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={!chosen}>
          {playbackRequest ? 'Restart playback' : 'Play'}
        </button>
      </form>
      {playbackError && <p className="error">{playbackError}</p>}
      {playbackRequest && chain && <AnalyticsStrip chain={chain} />}
      {playbackRequest && <p>Open the option chain or the charts to watch the replay there.</p>}
    </section>
  );
}
