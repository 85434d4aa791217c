/**
 * The PostgreSQL connection opens its own sockets (TCP_NODELAY, see
 * client.ts): it must still honour what postgres-js would, here a multi-host
 * URL whose first host refuses connections.
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('the PostgreSQL connection', () => {
  it('moves on to the next host of a multi-host URL when the first refuses', async () => {
    const name = `test_multihost_${process.pid}`;
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
    const server = new URL(url!);
    server.pathname = `/${name}`;
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const multiHost = server.toString().replace(server.host, `127.0.0.1:1,${server.host}`);
    try {
      const handle = await openDatabase({ url: multiHost, poolSize: 2 });
      try {
        await handle.ping();
        expect(handle.kind).toBe('postgres');
      } finally {
        await handle.close();
      }
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 1 });
    }
  });
});

describe('opening PostgreSQL at start-up', () => {
  it('says at once that the connection was refused, not which statement happened to run first', async () => {
    const started = Date.now();
    await expect(openDatabase({ url: 'postgres://postgres@127.0.0.1:1/options' })).rejects.toThrow(
      /^cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/options: connection refused: is the server running.*ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.skipIf(!url)('names a database that does not exist', async () => {
    const missing = new URL(url!);
    missing.pathname = `/no_such_database_${process.pid}`;
    await expect(openDatabase({ url: missing.toString() })).rejects.toThrow(/database "no_such_database_\d+" does not exist \[3D000\]/);
  });
});

describe('the postgres driver', () => {
  it('is patched against the crash of a write deferred past a closed socket (porsager/postgres#1154: it took the process down mid-outage)', () => {
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const source = readFileSync(new URL(`../node_modules/postgres/${file}`, import.meta.url), 'utf8');
      const nextWrite = source.slice(source.indexOf('function nextWrite(fn) {'), source.indexOf('const x = socket.write(chunk, fn)'));
      expect(nextWrite, `${file}: run npm ci (postinstall applies patches/)`).toMatch(/if \(!socket\)/);
    }
  });
});
