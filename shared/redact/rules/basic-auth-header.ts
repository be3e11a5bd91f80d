import { defineRule, marker } from '../rule.js';

const ID = 'basic-auth-header';
const BASIC = /\b(Basic)(\s+|%20)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/g;

function decodesToUserPass(b64: string): boolean {
  const text = Buffer.from(b64, 'base64').toString('latin1');
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(text);
}

export default defineRule({
  id: ID,
  description: 'HTTP basic credentials: "Basic <base64 of user:password>" after an Authorization header, or any "Basic" token that decodes to user:password.',
  trigger: { words: ['Basic'] },
  create() {
    return (line, hit) => {
      if (!line.includes('Basic')) return line;
      const header = /authorization/i.test(line);
      return line.replace(BASIC, (all, word: string, sep: string, token: string) => {
        if (!header && !decodesToUserPass(token)) return all;
        hit();
        return `${word}${sep}${marker(ID)}`;
      });
    };
  },
});
