import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets, secretsOf, REDACTED } from './log.ts';

function captured(level: Parameters<typeof createLogger>[0] = 'debug', options: Parameters<typeof createLogger>[3] = {}) {
  const lines: string[] = [];
  const log = createLogger(level, { role: 'test' }, (line) => lines.push(line), options);
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the level label, an ISO time, the role, the message and the fields', () => {
    const { log, parsed } = captured();
    log.info('stored', { snapshotId: 'NIFTY-1', rows: 3 });
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'info', role: 'test', message: 'stored', snapshotId: 'NIFTY-1', rows: 3 });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it('drops lines below the configured level and writes nothing when silent', () => {
    const info = captured('info');
    info.log.debug('hidden');
    info.log.warn('shown');
    expect(info.parsed().map((l) => l.message)).toEqual(['shown']);
    const silent = captured('silent');
    silent.log.error('nothing');
    expect(silent.lines).toEqual([]);
  });

  it('adds a child logger’s fields (component) to its lines and keeps the parent’s', () => {
    const { log, parsed } = captured();
    log.child({ component: 'storage' }).info('batch written');
    expect(parsed()[0]).toMatchObject({ role: 'test', component: 'storage', message: 'batch written' });
  });

  it('writes a field that repeats its logger’s binding once (regression: "role" appeared twice in a line)', () => {
    const { log, lines } = captured();
    log.info('stopped', { role: 'test', stored: 3 });
    expect(lines[0]!.match(/"role"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ role: 'test', stored: 3 });
  });

  it('adds what the mixin returns (the active trace id) to every line', () => {
    const { log, parsed } = captured('debug', { mixin: () => ({ traceId: 'abc123' }) });
    log.child({ component: 'x' }).info('traced');
    expect(parsed()[0]).toMatchObject({ traceId: 'abc123', component: 'x' });
  });

  it('redacts credential-named fields, configured secrets anywhere in a line, and URL passwords', () => {
    const secret = 'dhan-access-token-1234567890';
    const { log, lines } = captured('debug', { secrets: [secret] });
    log.info('request', { token: 'bearer-abcdef', headers: { authorization: 'Bearer xyz' }, apiKey: 'k-123456' });
    log.error(`connect failed: ${secret}`, { url: 'postgres://options:s3cr3t-pass@db:5432/options', nested: { detail: `token was ${secret}` } });
    const all = lines.join('\n');
    for (const value of [secret, 'bearer-abcdef', 'Bearer xyz', 'k-123456', 's3cr3t-pass']) expect(all).not.toContain(value);
    expect(all).toContain(REDACTED);
    expect(JSON.parse(lines[1]!).url).toBe(`postgres://options:${REDACTED}@db:5432/options`);
  });
});

describe('secretsOf', () => {
  it('takes credential-named variables and URL passwords, and leaves short or ordinary values out', () => {
    const secrets = secretsOf({
      DHAN_ACCESS_TOKEN: 'eyJ-long-token-value',
      OPERATOR_TOKEN: 'operator-token-0123456789',
      DATABASE_URL: 'postgres://options:p%40ssword99@db:5432/options',
      REDIS_URL: 'redis://redis:6379',
      LOG_LEVEL: 'info',
      MAX_TOKENS: '2000',
      SHORT_SECRET: 'abc',
    });
    expect(secrets).toEqual(expect.arrayContaining(['eyJ-long-token-value', 'operator-token-0123456789', 'p%40ssword99', 'p@ssword99']));
    expect(secrets).not.toContain('info');
    expect(secrets).not.toContain('2000');
    expect(secrets).not.toContain('abc');
  });

  it('scrubs a secret as it appears JSON-escaped inside a line', () => {
    expect(scrubSecrets('{"m":"a\\"quoted\\"secret"}', ['a"quoted"secret'])).toBe(`{"m":"${REDACTED}"}`);
  });
});
