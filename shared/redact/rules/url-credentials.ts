import { isSensitiveName, MAYBE_SENSITIVE, MAYBE_SENSITIVE_WORDS } from '../names.js';
import { defineRule, marker } from '../rule.js';

const ID = 'url-credentials';
const USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/)([^\s:@/?#"'<>]{1,128}):([^\s@/?#"'<>]{1,256})@/g;
const QUERY = /([?&;])([A-Za-z0-9_.\-[\]]{1,64})=([^&\s"'#<>]+)/g;
/**
 * What USERINFO needs, loosened for the prefilter: `://`, a user, `:`, a password, `@`, where the
 * classes exclude only ASCII (USERINFO's `\s` also excludes non-ASCII spaces, so this matches
 * wherever USERINFO does, in decoded text and in UTF-8 bytes read as Latin-1).
 */
const MAYBE_USERINFO = /:\/\/[^\t-\r :@/?#"'<>]+:[^\t-\r @/?#"'<>]+@/;
const SIGNATURE_PARAMS = new Set(['sig', 'signature', 'code', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'x-goog-signature', 'x-goog-credential']);

export default defineRule({
  id: ID,
  description: 'Passwords in URLs (scheme://user:password@host: the user stays) and secret query parameters (token, access_token, password, key, sig, X-Amz-Signature, X-Amz-Security-Token, …).',
  trigger: { patterns: [MAYBE_USERINFO, /[?&;](?:[Ss][Ii][Gg]|[Cc][Oo][Dd][Ee])=/], anyCase: MAYBE_SENSITIVE_WORDS },
  create() {
    return (line, hit) => {
      let out = line;
      if (out.includes('://')) {
        out = out.replace(USERINFO, (all, scheme: string, user: string, password: string) => {
          if (password.startsWith('<redacted:')) return all;
          hit();
          return `${scheme}${user}:${marker(ID)}@`;
        });
      }
      if (out.includes('=') && /[?&;]/.test(out) && (MAYBE_SENSITIVE.test(out) || /[?&;](sig|code)=/i.test(out))) {
        out = out.replace(QUERY, (all, sep: string, name: string, value: string) => {
          const sensitive = SIGNATURE_PARAMS.has(name.toLowerCase()) || isSensitiveName(name, { bareKey: true });
          if (!sensitive || value.startsWith('<redacted:') || value === '') return all;
          hit();
          return `${sep}${name}=${marker(ID)}`;
        });
      }
      return out;
    };
  },
});
