/**
 * The app's pages, by hash (#/chain, #/charts…), so the server serves one
 * index.html at / and any page can be bookmarked. Pages whose GraphQL fields
 * are still being built elsewhere (the strategy builder's `strategy(input)`,
 * sign-in's auth mutations) get their entry here when they land.
 */
export type PageId = 'chain' | 'charts' | 'mood' | 'playback';

export interface Route {
  id: PageId;
  label: string;
}

export const ROUTES: readonly Route[] = [
  { id: 'chain', label: 'Option chain' },
  { id: 'charts', label: 'Charts' },
  { id: 'mood', label: 'Market mood' },
  { id: 'playback', label: 'Playback' },
];

/** The page and its query parameters from a location hash such as #/chain?depth=all. */
export function parseHash(hash: string): { page: PageId; params: URLSearchParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const page = ROUTES.find((r) => r.id === path)?.id ?? 'chain';
  return { page, params: new URLSearchParams(query) };
}
