import { nameIn, redactPairs } from '../pairs.js';
import { defineRule } from '../rule.js';

const ID = 'registry-auth';
// A bare "auth" is only a secret in registry configuration, so only this rule treats it as one.
const isRegistryCredential = nameIn(['auth', 'identitytoken', 'identity_token', 'registrytoken', 'registry_token']);

export default defineRule({
  id: ID,
  description: 'Container registry credentials in runtime configs and their logs: auth (base64 user:password), identitytoken and registrytoken in containerd\'s config dump (TOML), CRI-O and Docker config JSON, and containerd\'s printed AuthConfig{Auth:…,IdentityToken:…}.',
  trigger: { anyCase: ['auth', 'identitytoken', 'registrytoken'] },
  create() {
    return (line, hit) => (/auth|identitytoken|registrytoken/i.test(line) ? redactPairs(line, isRegistryCredential, ID, hit, { json: true, assignment: true, goStruct: true, yaml: true }) : line);
  },
});
