/**
 * A chart's query, read again every `everyMs` while live (charts of the
 * latest snapshot follow the market), or at the running playback's instant
 * (`at`), read again at most every `everyMs` as the frames advance.
 */
import { useEffect, useRef } from 'react';
import { useQuery, type AnyVariables, type TypedDocumentNode } from 'urql';
import { useSelection } from '../selection.tsx';

export function usePlaybackInstant(everyMs: number): string | null {
  const { playback } = useSelection();
  const held = useRef<{ at: string | null; when: number }>({ at: null, when: 0 });
  if (!playback) held.current = { at: null, when: 0 };
  else if (held.current.at === null || Date.now() - held.current.when >= everyMs) held.current = { at: playback.timestamp, when: Date.now() };
  return held.current.at;
}

export function useRefreshing<Data, Variables extends AnyVariables>(query: TypedDocumentNode<Data, Variables>, variables: Variables, everyMs = 5_000) {
  const { playbackRequest } = useSelection();
  const [result, reexecute] = useQuery({ query, variables });
  useEffect(() => {
    if (playbackRequest) return;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), everyMs);
    return () => clearInterval(timer);
  }, [reexecute, everyMs, playbackRequest]);
  return result;
}
