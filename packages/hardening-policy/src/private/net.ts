/** An IPv4 address as a number, or undefined. */
export function ipv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Whether the IPv4 `address` is in `network` (`a.b.c.d/len` or an exact address). */
export function inNetwork(address: string, network: string): boolean {
  const [base, lengthText] = network.split('/');
  const a = ipv4(address);
  const b = ipv4(base);
  if (a === undefined || b === undefined) return address === network;
  const length = lengthText === undefined ? 32 : Number(lengthText);
  const size = 2 ** (32 - length);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** Whether the network `inner` lies inside `outer` (both `a.b.c.d/len`). */
export function networkInside(inner: string, outer: string): boolean {
  const [base, lengthText] = inner.split('/');
  const [, outerLength] = outer.split('/');
  return inNetwork(base, outer) && Number(lengthText ?? 32) >= Number(outerLength ?? 32);
}
