import { defineRule, marker } from '../rule.js';

const ID = 'jwt';
// header.payload[.signature], both JSON objects in base64url, so both start with "eyJ".
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.(?:[A-Za-z0-9_-]{8,})?/g;

export default defineRule({
  id: ID,
  description: 'JSON Web Tokens: Kubernetes service-account and projected tokens, OIDC id-tokens, bearer tokens of any API (eyJ….eyJ….signature), wherever they appear.',
  trigger: { words: ['eyJ'] },
  create() {
    return (line, hit) => {
      if (!line.includes('eyJ')) return line;
      return line.replace(JWT, () => {
        hit();
        return marker(ID);
      });
    };
  },
});
