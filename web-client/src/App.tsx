/**
 * The shell: navigation, the symbol and expiry pickers, the theme switch and
 * the playback progress bar, around the page the location hash names.
 */
import { useEffect, useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ExpiriesQuery, PlaybackSubscription, SymbolsQuery } from './documents.ts';
import { ROUTES, parseHash, type PageId } from './routes.ts';
import { SelectionContext, type PlaybackFrame, type PlaybackRequest, type Selection } from './selection.tsx';
import { ChainPage } from './pages/ChainPage.tsx';
import { ChartsPage } from './pages/ChartsPage.tsx';
import { MoodPage } from './pages/MoodPage.tsx';
import { PlaybackPage } from './pages/PlaybackPage.tsx';
import { StrategyPage } from './pages/StrategyPage.tsx';
import { AccountPage } from './pages/AccountPage.tsx';
import { SessionKeeper } from './account/SessionKeeper.tsx';
import { useSession } from './auth.ts';

type Theme = 'dark' | 'light';

function useHash(): { page: PageId; params: URLSearchParams } {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return useMemo(() => parseHash(hash), [hash]);
}

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('theme') as Theme | null) ?? (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === 'dark' ? 'light' : 'dark'))];
}

/** Runs the playback asked for and hands each frame up. */
function PlaybackRunner({ request, onFrame, onError }: { request: PlaybackRequest; onFrame: (frame: PlaybackFrame) => void; onError: (message: string) => void }) {
  const [{ data, error }] = useSubscription({ query: PlaybackSubscription, variables: request });
  useEffect(() => {
    if (data) onFrame(data.playback);
  }, [data, onFrame]);
  useEffect(() => {
    if (error) onError(error.message);
  }, [error, onError]);
  return null;
}

export function App() {
  const { page, params } = useHash();
  const [theme, toggleTheme] = useTheme();
  const [symbol, setSymbol] = useState(() => params.get('symbol') ?? 'NIFTY');
  const [expiry, setExpiry] = useState<string | null>(() => params.get('expiry'));
  const [playbackRequest, setPlaybackRequest] = useState<PlaybackRequest | null>(null);
  const [playback, setPlayback] = useState<PlaybackFrame | null>(null);
  const [playbackError, setPlaybackError] = useState<string | null>(null);
  const signedIn = useSession() != null;
  const [symbols] = useQuery({ query: SymbolsQuery });
  const [expiries] = useQuery({ query: ExpiriesQuery, variables: { symbol } });

  const selection: Selection = useMemo(
    () => ({
      symbol,
      expiry,
      playbackRequest,
      playback,
      playbackError,
      startPlayback: (request) => {
        setPlayback(null);
        setPlaybackError(null);
        setPlaybackRequest(request);
      },
      stopPlayback: () => {
        setPlaybackRequest(null);
        setPlayback(null);
      },
    }),
    [symbol, expiry, playbackRequest, playback, playbackError],
  );

  const progress = playback ? playback.position / Math.max(1, playback.total) : 0;
  return (
    <SelectionContext.Provider value={selection}>
      <SessionKeeper />
      {playbackRequest && <PlaybackRunner key={JSON.stringify(playbackRequest)} request={playbackRequest} onFrame={setPlayback} onError={setPlaybackError} />}
      <header className="shell">
        <a className="brand" href="#/chain">
          Options
        </a>
        <nav aria-label="Pages">
          {ROUTES.map((route) => (
            <a key={route.id} href={`#/${route.id}`} aria-current={route.id === page ? 'page' : undefined}>
              {route.id === 'account' && signedIn ? 'Account' : route.label}
            </a>
          ))}
        </nav>
        <div className="pickers">
          <label>
            <span className="visually-hidden">Symbol</span>
            <select aria-label="Symbol" value={symbol} onChange={(e) => (setSymbol(e.target.value), setExpiry(null))}>
              {(symbols.data?.symbols ?? [{ symbol }]).map((s) => (
                <option key={s.symbol} value={s.symbol}>
                  {s.symbol}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="visually-hidden">Expiry</span>
            <select aria-label="Expiry" value={expiry ?? ''} onChange={(e) => setExpiry(e.target.value || null)}>
              <option value="">Nearest expiry</option>
              {(expiries.data?.expiryList ?? []).map((e) => (
                <option key={e.date} value={e.date} disabled={!e.hasData}>
                  {e.date}
                  {e.hasData ? '' : ' (no data)'}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="theme" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </div>
        {playbackRequest && (
          <div className="playback-bar" role="status">
            <span>
              Playback {playback ? `${playback.position}/${playback.total}` : 'starting'} {playbackError ? `— ${playbackError}` : ''}
            </span>
            <progress aria-label="Playback progress" value={progress} max={1} />
            <button type="button" onClick={selection.stopPlayback}>
              Back to live
            </button>
          </div>
        )}
      </header>
      <main>
        {page === 'chain' && <ChainPage params={params} />}
        {page === 'charts' && <ChartsPage />}
        {page === 'mood' && <MoodPage />}
        {page === 'playback' && <PlaybackPage />}
        {page === 'strategy' && <StrategyPage />}
        {page === 'account' && <AccountPage />}
      </main>
    </SelectionContext.Provider>
  );
}
