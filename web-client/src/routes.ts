/**
 * The app's pages, by hash (#/chain, #/charts…), so the server serves one
 * index.html at / and any page can be bookmarked.
 */
export type PageId = 'chain' | 'charts' | 'mood' | 'playback' | 'strategy' | 'account';

export interface Route {
  id: PageId;
  label: string;
}

export const ROUTES: readonly Route[] = [
  { id: 'chain', label: 'Option chain' },
  { id: 'charts', label: 'Charts' },
  { id: 'mood', label: 'Market mood' },
  { id: 'playback', label: 'Playback' },
  { id: 'strategy', label: 'Strategy builder' },
  { id: 'account', label: 'Sign in' },
];

/** The page and its query parameters from a location hash such as #/chain?depth=all. */
export function parseHash(hash: string): { page: PageId; params: URLSearchParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const page = ROUTES.find((r) => r.id === path)?.id ?? 'chain';
  return { page, params: new URLSearchParams(query) };
}
