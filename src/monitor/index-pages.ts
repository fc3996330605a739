/** The HTML pages at `/` and `/streaming`: lists of the endpoints, as the Go servers serve. */
import { NATS_SERVER_VERSION } from '../nats/server.js';

function page(title: string, links: Array<[string, string]>, footer: string): string {
  const items = links.map(([href, text]) => `    <li><a href="${href}">${text}</a></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${title}</title>
    <style>
      body { font-family: ui-sans-serif, system-ui, sans-serif; margin: 24px 32px; color: #1f2430 }
      ul { list-style: none; padding: 0 } li { padding: 4px 0 } a { color: #2a6fdb; text-decoration: none }
      p { color: #667085; font-size: 13px }
    </style>
  </head>
  <body>
    <h1>${title}</h1>
    <ul>
${items}
    </ul>
    <p>${footer}</p>
  </body>
</html>`;
}

export function rootPage(opts: { streaming: boolean; dashboard: boolean }): string {
  const links: Array<[string, string]> = [];
  if (opts.dashboard) links.push(['./dashboard', 'Dashboard']);
  links.push(
    ['./varz', 'General (varz)'],
    ['./connz', 'Connections (connz)'],
    ['./subsz', 'Subscriptions (subsz)'],
    ['./routez', 'Routes (routez)'],
    ['./healthz', 'Health probe (healthz)'],
  );
  if (opts.streaming) links.push(['./streaming', 'Streaming']);
  links.push(['./metrics', 'Prometheus metrics']);
  return page('natstream monitoring', links, `NATS server ${NATS_SERVER_VERSION}`);
}

export function streamingPage(): string {
  return page(
    'natstream streaming monitoring',
    [
      ['./streaming/serverz', 'server'],
      ['./streaming/storez', 'store'],
      ['./streaming/clientsz', 'clients'],
      ['./streaming/channelsz', 'channels'],
    ],
    'Add <code>?subs=1</code> to clientsz and channelsz for subscriptions.',
  );
}
