/**
 * The chain a page shows: live from the chainDelta subscription, or the
 * running playback's frames. Each message's arrival is marked
 * (`chain-update`), so the table can measure how long it took to render it
 * (see renderTiming.ts).
 */
import { useRef } from 'react';
import { useSubscription } from 'urql';
import { ChainDeltaSubscription } from '../documents.ts';
import { useSelection } from '../selection.tsx';
import { applyChain, applyDelta, type ChainState } from './chainState.ts';
import { markUpdate } from './renderTiming.ts';

export function useChain(): { chain: ChainState | null; error: string | null } {
  const { symbol, expiry, playback, playbackRequest } = useSelection();
  const [live] = useSubscription({ query: ChainDeltaSubscription, variables: { symbol, expiry }, pause: playbackRequest != null }, (previous: ChainState | undefined, data) => {
    markUpdate();
    return applyDelta(previous ?? null, data.chainDelta);
  });
  const replayed = useRef<{ frame: unknown; state: ChainState | null }>({ frame: null, state: null });
  if (playbackRequest) {
    if (playback && replayed.current.frame !== playback) {
      markUpdate();
      replayed.current = { frame: playback, state: applyChain(replayed.current.state, playback.chain) };
    }
    return { chain: playback ? replayed.current.state : null, error: null };
  }
  return { chain: live.data ?? null, error: live.error?.message ?? null };
}
