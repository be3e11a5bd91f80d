import { nameIn, redactPairs } from '../pairs.js';
import { defineRule, marker } from '../rule.js';

const ID = 'aws-access-key';
const KEY_ID_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'AROA', 'APKA', 'ASCA'];
const KEY_ID = new RegExp(String.raw`(?<![A-Z0-9])(?:${KEY_ID_PREFIXES.join('|')})[A-Z0-9]{16}(?![A-Z0-9])`, 'g');
const isAwsSecretName = nameIn([
  'aws_secret_access_key', 'secret_access_key', 'SecretAccessKey', 'aws_session_token', 'SessionToken', 'aws_secret_key',
  'aws_access_key_id', 'AccessKeyId', 'aws_security_token',
]);
/** A 40-character secret access key printed after its key id (credentials CSVs, `aws configure list`, logs). */
const SECRET_AFTER_ID = new RegExp(String.raw`(${marker(ID).replace(/[<>:]/g, (c) => `\\${c}`)}[\s,:;="'|]+)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, 'g');

export default defineRule({
  id: ID,
  description: 'AWS credentials: access key ids (AKIA…, ASIA… and the other IAM prefixes), values of aws_secret_access_key / aws_session_token / SecretAccessKey / SessionToken in any form, and a 40-character secret key printed right after a key id.',
  // KEY_ID needs one of its prefixes; SECRET_AFTER_ID needs the marker, which has "aws" in it.
  trigger: { words: KEY_ID_PREFIXES, anyCase: ['aws', 'secretaccesskey', 'sessiontoken', 'accesskeyid'] },
  create() {
    return (line, hit) => {
      let out = line;
      if (/A[A-Z]{3}[A-Z0-9]{16}/.test(out)) {
        out = out.replace(KEY_ID, () => {
          hit();
          return marker(ID);
        });
        out = out.replace(SECRET_AFTER_ID, (_all, lead: string) => {
          hit();
          return `${lead}${marker(ID)}`;
        });
      }
      if (/aws|secretaccesskey|sessiontoken|accesskeyid/i.test(out)) out = redactPairs(out, isAwsSecretName, ID, hit);
      return out;
    };
  },
});
