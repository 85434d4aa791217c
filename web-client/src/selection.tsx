/**
 * What every page shows: the symbol and expiry picked in the header, and the
 * historical playback when one runs (its latest frame replaces the live chain
 * on every page, with a progress bar in the header).
 */
import { createContext, useContext } from 'react';
import type { PlaybackSubscription, PlaybackSubscriptionVariables } from './gql/graphql.ts';

export type PlaybackFrame = PlaybackSubscription['playback'];
export type PlaybackRequest = PlaybackSubscriptionVariables;

export interface Selection {
  symbol: string;
  /** YYYY-MM-DD, or null for the nearest expiry with data. */
  expiry: string | null;
  /** The playback asked for, null when live. */
  playbackRequest: PlaybackRequest | null;
  /** The latest frame of the running playback, null when live or before its first frame. */
  playback: PlaybackFrame | null;
  /** Its error, when the server refused or ended it. */
  playbackError: string | null;
  startPlayback(request: PlaybackRequest): void;
  stopPlayback(): void;
}

export const SelectionContext = createContext<Selection>({
  symbol: 'NIFTY',
  expiry: null,
  playbackRequest: null,
  playback: null,
  playbackError: null,
  startPlayback: () => {},
  stopPlayback: () => {},
});

export function useSelection(): Selection {
  return useContext(SelectionContext);
}
