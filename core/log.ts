/**
 * Structured logs through pino: one JSON object per line on stdout
 * (`{"level":"info","time":"…","role":"store","component":"storage","message":"…",…}`),
 * so `docker compose logs` and log shippers can parse them. With
 * LOG_FORMAT=pretty and a terminal on stdout (and the optional pino-pretty
 * installed) lines are coloured and aligned for a human instead.
 *
 * Each line carries the fields of its logger (`role`, `component`) and of the
 * call (`snapshotId` where there is one), plus what the `mixin` adds (the
 * active trace and span ids, see api/tracing.ts).
 *
 * Secrets never reach a line: fields named like a credential (token,
 * password, authorization, api key, secret) are replaced by `[redacted]`,
 * and so is every occurrence of a configured secret's value and the password
 * part of any URL, wherever in the line it appears (an error message quoting
 * DATABASE_URL, say). `secretsOf(env)` lists the configured ones.
 */
import { createRequire } from 'node:module';
import pino, { type DestinationStream } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Values never written: each occurrence in a line becomes `[redacted]` (see secretsOf). */
  secrets?: readonly string[];
  /** `pretty`: human-readable lines, only when stdout is a terminal (default json). */
  format?: 'json' | 'pretty';
  /** Fields added to every line at the time it is written (the active trace id). */
  mixin?: () => Record<string, unknown>;
}

export const REDACTED = '[redacted]';

/** Field names whose values are credentials, at the top level of a line or one object down. */
const SECRET_FIELDS = ['token', 'accessToken', 'password', 'authorization', 'apiKey', 'secret', 'cookie'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

/** `scheme://user:password@host` → `scheme://user:[redacted]@host`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*:)[^@\s"/]+@/gi;

/** Shorter values are too likely to occur by chance (`true`, a port) to be scrubbed from whole lines. */
const MIN_SECRET_LENGTH = 6;

/**
 * The secrets among environment variables: the values of variables named
 * like a credential (…TOKEN, …PASSWORD, …SECRET, …KEY), and the password of
 * every URL-valued one (DATABASE_URL, REDIS_URL…).
 */
export function secretsOf(env: Record<string, unknown>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' || value === '') continue;
    if (/(TOKEN|PASSWORD|SECRET|_KEY)$/i.test(name)) secrets.add(value);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      try {
        const url = new URL(value);
        if (url.password) {
          secrets.add(url.password);
          secrets.add(decodeURIComponent(url.password));
        }
      } catch {
        // Not a URL after all: nothing to take from it.
      }
    }
  }
  return [...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** `line` with the configured secrets and URL passwords replaced. */
export function scrubSecrets(line: string, secrets: readonly string[]): string {
  let out = line.replace(URL_PASSWORD, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // As it appears inside a JSON string (quotes and backslashes escaped).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

/** pino-pretty when installed (an optional dependency), else null. */
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, messageKey: 'message', translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
  options: LoggerOptions = {},
): Logger {
  const secrets = options.secrets ?? [];
  const pretty = !write && options.format === 'pretty' && process.stdout.isTTY ? prettyStream() : null;
  const sink = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const destination: DestinationStream = pretty
    ? { write: (chunk: string) => pretty.write(scrubSecrets(chunk, secrets)) }
    : { write: (chunk: string) => sink(scrubSecrets(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk, secrets)) };
  const root = pino(
    {
      level,
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      ...(options.mixin ? { mixin: options.mixin } : {}),
    },
    destination,
  );
  return wrap(Object.keys(base).length > 0 ? root.child(base) : root);
}

function wrap(logger: pino.Logger): Logger {
  const bound = logger.bindings();
  // A field repeating a binding with the same value (`role`) is written once, not twice.
  const own = (fields: Record<string, unknown>) => {
    const repeated = Object.keys(fields).filter((key) => key in bound && bound[key] === fields[key]);
    if (repeated.length === 0) return fields;
    const out = { ...fields };
    for (const key of repeated) delete out[key];
    return out;
  };
  const at =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>) => {
      if (fields) logger[method](own(fields), message);
      else logger[method](message);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger.child(fields)),
  };
}
