import { defineRule, marker, statefulRedactor, type Hit } from '../rule.js';

const ID = 'pem-private-key';
/** Any PEM label that carries a private key: RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8, PGP. */
const LABEL = String.raw`((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)`;
const INLINE = new RegExp(String.raw`(-----BEGIN ${LABEL}-----)([\s\S]*?)(-----END \2-----)`, 'g');
const BEGIN = new RegExp(String.raw`-----BEGIN ${LABEL}-----`);
/** Lines a PEM body is made of (base64, RFC 1421 headers, blank), possibly indented in YAML. */
const BODY = /^\s*(?:[A-Za-z0-9+/=]+|Proc-Type:.*|DEK-Info:.*|Comment:.*|Version:.*)?\s*$/;
/** base64 of `-----BEGIN` (kubeconfig client-key-data, Secret-style tls.key values). */
const BASE64_PEM = /LS0tLS1CRUdJT[A-Za-z0-9+/]{20,}={0,2}/g;

function keepEdges(body: string): string {
  const lead = /^(\\n|\\r\\n|\s)*/.exec(body)?.[0] ?? '';
  const trail = /(\\n|\\r\\n|\s)*$/.exec(body)?.[0] ?? '';
  return `${lead}${marker(ID)}${trail}`;
}

export default defineRule({
  id: ID,
  description:
    'PEM private keys of every kind (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8, PGP): the BEGIN and END lines stay, each body line becomes the marker (so line numbers do not move); a block on one line (JSON "\\n" escapes) keeps its escapes; base64-encoded PEM keys (LS0tLS1CRUdJTi…, as in client-key-data or tls.key) are replaced whole. Certificates are public and stay.',
  trigger: { words: ['-----BEGIN', 'LS0tLS1CRUdJT'] },
  create() {
    let open: string | null = null;
    const redact = (line: string, hit: Hit): string => {
      if (open !== null) {
        if (line.includes(`-----END ${open}-----`)) {
          open = null;
          return line.replace(/^(\s*)[A-Za-z0-9+/=]+(?=-----END)/, `$1${marker(ID)}`);
        }
        if (BODY.test(line)) {
          if (line.trim() === '') return line;
          return `${/^\s*/.exec(line)![0]}${marker(ID)}`;
        }
        // Not a body line: the block was cut short (a truncated log); stop here rather than eat the file.
        open = null;
      }
      let out = line;
      if (out.includes('-----BEGIN')) {
        out = out.replace(INLINE, (_all, begin: string, _label: string, body: string, end: string) => {
          if (body.includes(marker(ID)) || body.trim() === '') return `${begin}${body}${end}`;
          hit();
          return `${begin}${keepEdges(body)}${end}`;
        });
        const m = BEGIN.exec(out);
        if (m && !out.slice(m.index).includes('-----END')) {
          open = m[1]!;
          hit();
          const after = out.slice(m.index + m[0].length);
          if (after.trim() !== '') out = `${out.slice(0, m.index + m[0].length)}${marker(ID)}`;
        }
      }
      if (out.includes('LS0tLS1CRUdJT')) {
        out = out.replace(BASE64_PEM, (b64) => {
          const head = Buffer.from(b64.slice(0, 80), 'base64').toString('latin1');
          if (!/PRIVATE KEY/.test(head)) return b64;
          hit();
          return marker(ID);
        });
      }
      return out;
    };
    return statefulRedactor(redact, () => open === null);
  },
});
