/**
 * Who is calling: the one place the API identifies a client, for the rate
 * limits and the subscription connection budgets (auth tiers will build on it).
 *
 * A client is the address of its socket. Behind TRUST_PROXY proxies it is the
 * address the outermost trusted proxy saw, read from X-Forwarded-For counting
 * from the right: each trusted proxy appends the address it was called from,
 * and anything left of that is what the client wrote itself, so a forged
 * header cannot mint identities. With TRUST_PROXY=0 the header is ignored.
 *
 * IPv6 clients are identified by their /64 network: one host usually holds a
 * whole /64, and counting its addresses one by one would give it 2^64 budgets.
 */
import { isIP } from 'node:net';

/** What identifyClient reads of a request (node:http IncomingMessage). */
export interface ClientRequest {
  socket?: { remoteAddress?: string } | null;
  headers: Record<string, string | string[] | undefined>;
}

export function identifyClient(request: ClientRequest, trustProxy: number): string {
  return clientKey(clientAddress(request, trustProxy));
}

/** The caller's own address: the socket's, or behind TRUST_PROXY proxies the one the outermost saw. */
export function clientAddress(request: ClientRequest, trustProxy: number): string {
  const socketAddress = request.socket?.remoteAddress ?? '';
  let address = socketAddress;
  if (trustProxy > 0) {
    const header = request.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const hops = [...forwarded, socketAddress];
    const vouched = hops[Math.max(0, hops.length - 1 - trustProxy)];
    if (isIP(unmapped(vouched))) address = vouched;
  }
  return unmapped(address);
}

/** Whether an address is this machine's (127.0.0.0/8 or ::1). */
export function isLoopback(address: string): boolean {
  const plain = unmapped(address);
  return (isIP(plain) === 4 && plain.startsWith('127.')) || (isIP(plain) === 6 && expandIPv6(plain).join(':') === '0:0:0:0:0:0:0:1');
}

/** An address as a client key: IPv4 as is, IPv6 as its /64 network, anything else "unknown". */
export function clientKey(address: string): string {
  const plain = unmapped(address);
  const family = isIP(plain);
  if (family === 4) return plain;
  if (family === 6) return `${expandIPv6(plain).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

/** "::ffff:10.1.2.3" (an IPv4 client on a dual-stack socket) → "10.1.2.3"; drops an IPv6 zone ("%eth0"). */
function unmapped(address: string): string {
  const withoutZone = address.split('%')[0];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(withoutZone);
  return mapped ? mapped[1] : withoutZone;
}

/** The eight hextets of an IPv6 address, lower case without leading zeros ("::1" → 0,0,0,0,0,0,0,1). */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) stands for two hextets.
  const last = right.length ? right : left;
  if (last.length && last[last.length - 1].includes('.')) {
    const [a, b, c, d] = last.pop()!.split('.').map(Number);
    last.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const zeros = Array(8 - left.length - right.length).fill('0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((hextet) => parseInt(hextet, 16).toString(16));
}
