/**
 * The fan-out benches' subscribers in a child process (bench/fanOutClients.mjs),
 * so their parsing and callbacks share neither the server's event loop nor
 * its thread: what the server spends is what is measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the clients' process posts. */
export type ClientsMessage = { type: 'deliveries'; items: Float64Array } | { type: 'error'; message: string } | { type: 'closed' };

export type ClientsCommand = { type: 'open'; url: string; query: string; count: number } | { type: 'close' };

export interface ClientsProcess {
  send(command: ClientsCommand): void;
  onMessage(listener: (message: ClientsMessage) => void): void;
  /** Ends the process (its sockets close with it). */
  stop(): Promise<void>;
}

export function forkClients(): ClientsProcess {
  // Structured clone over IPC, so deliveries arrive as Float64Arrays.
  const child: ChildProcess = fork(fileURLToPath(new URL('./fanOutClients.mjs', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    send: (command) => void child.send(command),
    onMessage: (listener) => void child.on('message', (message) => listener(message as ClientsMessage)),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
