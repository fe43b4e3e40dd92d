/**
 * The HTTP allow-list (connectors.httpAllowList): the only hosts HTTP and
 * upstream-gateway connectors may call. A consumer never chooses an address:
 * URLs come from connector configs, and those must name an allowed host.
 */

/**
 * True when `url`'s host is on the allow-list: an entry `host:port` allows
 * that port only, an entry `host` every port of that host. Host names compare
 * as the URL parser normalises them (case, IPv4 forms).
 */
export function isAllowedHost(url: URL, allowList: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowList.some((entry) => {
    const allowed = parseUrl(`http://${entry}`);
    if (!allowed || allowed.hostname !== url.hostname) return false;
    // `http://host:80` parses to an empty port: an entry naming a port keeps it in its text.
    const entryPort = /:([0-9]+)$/.exec(entry)?.[1];
    return entryPort === undefined || Number(entryPort) === Number(port);
  });
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
