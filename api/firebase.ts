/**
 * Firebase ID tokens verified with firebase-admin (signature against
 * Google's keys, audience and issuer of FIREBASE_PROJECT_ID, expiry, and
 * revocation: checkRevoked). With FIREBASE_AUTH_EMULATOR_HOST set the admin
 * SDK accepts the Auth emulator's tokens instead, as the tests use it.
 */
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import type { FirebaseVerifier } from '../core/auth/caller.ts';

export interface FirebaseHandle extends FirebaseVerifier {
  close(): Promise<void>;
}

let apps = 0;

export function createFirebaseVerifier(projectId: string): FirebaseHandle {
  // A named app per verifier: several servers in one process (tests) each have their own.
  const app: App = initializeApp({ projectId }, `options-${projectId}-${++apps}`);
  const auth = getAuth(app);
  return {
    async verify(idToken) {
      const decoded = await auth.verifyIdToken(idToken, true);
      return { uid: decoded.uid, email: decoded.email ?? null, emailVerified: decoded.email_verified === true, name: typeof decoded.name === 'string' ? decoded.name : null };
    },
    close: () => deleteApp(app),
  };
}
