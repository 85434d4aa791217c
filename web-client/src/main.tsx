import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { useSession } from './auth.ts';
import { createGraphqlClient, type GraphqlClient } from './client.ts';
import { App } from './App.tsx';
import './styles.css';

/** One GraphQL client per signed-in user (or anonymous); a refreshed token of the same user keeps it, another user closes its socket. */
let shared: { userId: string | null; graphql: GraphqlClient } | null = null;
function clientFor(userId: string | null): GraphqlClient {
  if (shared?.userId !== userId) {
    shared?.graphql.close();
    shared = { userId, graphql: createGraphqlClient() };
  }
  return shared.graphql;
}

function Root() {
  const graphql = clientFor(useSession()?.user.id ?? null);
  return (
    <Provider value={graphql.client}>
      <App />
    </Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
