/**
 * `--help` and `--help_tls` texts, rendered from the flag table. With the
 * program name `nats-streaming-server` the help is byte for byte the Go
 * server's (tested against the capture); natstream prints its own name.
 */
import { flagTable, usageSections } from './flag-table.js';
import { PROGRAM_NAME } from './version.js';

const GO_PROGRAM = 'nats-streaming-server';

/** The usage text as the Go server prints it: starting and ending with an empty line. */
export function renderUsage(program = PROGRAM_NAME): string {
  const sections = usageSections.map((section) => {
    let out = `${section.title}\n`;
    for (const f of flagTable) {
      if (f.usage?.section !== section.id) continue;
      const [first, ...rest] = f.usage.help;
      out += `${f.usage.left.padEnd(section.column - 1)} ${first}\n`;
      for (const line of rest) out += `${' '.repeat(section.column)}${line}\n`;
    }
    if (section.trailer) out += `${section.trailer}\n`;
    return out;
  });
  const text = `\nUsage: ${GO_PROGRAM} [options]\n\n${sections.join('\n')}\n`;
  return program === GO_PROGRAM ? text : text.split(GO_PROGRAM).join(program);
}

/** `--help_tls`: how TLS is configured (natstream's keys; Go lists its cipher suites instead). */
export function renderTlsHelp(): string {
  return `
TLS configuration is specified in the tls section of a configuration file:

e.g.

    tls {
        cert_file:      "./certs/server-cert.pem"
        key_file:       "./certs/server-key.pem"
        ca_file:        "./certs/ca.pem"
        verify:         true
        timeout:        2
    }

or on the command line:

    --tls --tlscert ./certs/server-cert.pem --tlskey ./certs/server-key.pem
    --tlsverify --tlscacert ./certs/ca.pem      (require client certificates)

Cipher suites and curves are those of Node's TLS defaults (TLS 1.2 and 1.3).

`;
}
