import { nameIn, redactPairs } from '../pairs.js';
import { defineRule, marker } from '../rule.js';

const ID = 'gcp-service-account-key';
const isKeyField = nameIn(['private_key', 'private_key_id']);
const TOKENS: readonly RegExp[] = [
  /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, // API keys
  /(?<![A-Za-z0-9_-])ya29\.[0-9A-Za-z_-]{20,}/g, // OAuth access tokens
  /(?<![A-Za-z0-9_-])GOCSPX-[0-9A-Za-z_-]{20,}/g, // OAuth client secrets
  /(?<![A-Za-z0-9_-])1\/\/0[0-9A-Za-z_-]{30,}/g, // OAuth refresh tokens
];

export default defineRule({
  id: ID,
  description: 'Google Cloud credentials: a service-account key file\'s private_key and private_key_id, API keys (AIza…), OAuth access tokens (ya29.…), client secrets (GOCSPX-…) and refresh tokens (1//0…).',
  trigger: { words: ['private_key', 'AIza', 'ya29.', 'GOCSPX-', '1//0'] },
  create() {
    return (line, hit) => {
      let out = line;
      if (out.includes('private_key')) out = redactPairs(out, isKeyField, ID, hit, { json: true, yaml: true });
      if (/AIza|ya29\.|GOCSPX-|1\/\/0/.test(out)) {
        for (const pattern of TOKENS) {
          out = out.replace(pattern, () => {
            hit();
            return marker(ID);
          });
        }
      }
      return out;
    };
  },
});
