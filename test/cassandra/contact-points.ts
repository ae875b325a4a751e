/** Default CQL port. */
export const DEFAULT_PORT = 9042;

/** Parses 'a,b:9043,[::1]:9042' into normalized 'host:port' strings. */
export function parseContactPoints(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const { host, port } = splitHostPort(s);
      return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    });
}

/** 'h:p' / '[v6]:p' / 'h' -> { host, port } (port defaults to 9042). */
export function splitHostPort(point: string): { host: string; port: number } {
  const v6 = /^\[(.+)\](?::(\d+))?$/.exec(point);
  if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : DEFAULT_PORT };
  const colons = point.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = point.split(':');
    return { host: host ?? '', port: Number(port) };
  }
  return { host: point, port: DEFAULT_PORT };
}
