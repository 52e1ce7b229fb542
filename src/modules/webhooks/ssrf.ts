// The SSRF guard: a webhook may only reach public unicast addresses (unless
// CMS_WEBHOOK_ALLOW_PRIVATE). Address ranges come from ipaddr.js: anything it does not class as
// `unicast` (loopback, private, link-local, unique-local, unspecified, multicast, carrier-grade
// NAT, reserved, 6to4/Teredo/NAT64 forms that embed an IPv4 address, …) is refused, and an
// IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
import dns from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Lookup = (host: string) => Promise<ResolvedAddress[]>;

const systemLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** True when the address is a public unicast one (the only kind a webhook may reach). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The URL's host without IPv6 brackets (what DNS and sockets take). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** `refused`: the address is not public (final); otherwise the name did not resolve (may be passing). */
export type Vetting = { ok: true; addresses: ResolvedAddress[] } | { ok: false; refused: boolean; reason: string };

/**
 * The addresses a URL's host stands for, all of them public; otherwise why not. A literal IP
 * is judged as it is; a hostname by every address it resolves to (one private address is
 * enough to refuse: a resolver may hand out any of them).
 */
export async function vetUrl(url: URL, lookup: Lookup = systemLookup): Promise<Vetting> {
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (net.isIP(host) !== 0) addresses = [{ address: host, family: net.isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await lookup(host);
    } catch (err) {
      return { ok: false, refused: false, reason: `The host ${host} does not resolve (${(err as { code?: string }).code ?? 'lookup failed'}).` };
    }
    if (addresses.length === 0) return { ok: false, refused: false, reason: `The host ${host} does not resolve.` };
  }
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) return { ok: false, refused: true, reason: `The host ${host} is or resolves to ${refused.address}, which is not a public address (loopback, private, link-local and other special ranges are refused).` };
  return { ok: true, addresses };
}
