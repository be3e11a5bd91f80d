import { defineRule, marker } from '../rule.js';

const ID = 'bearer-header';
const BEARER = /\b(Bearer)(\s+|%20)([A-Za-z0-9\-._~+/]{16,}=*)/gi;

export default defineRule({
  id: ID,
  description: 'The credential after "Bearer" (Authorization headers, curl -H lines, logged request dumps): opaque tokens of 16+ characters that contain a digit; a JWT is caught by the jwt rule first.',
  trigger: { anyCase: ['bearer'] },
  create() {
    return (line, hit) => {
      if (!/bearer/i.test(line)) return line;
      return line.replace(BEARER, (all, word: string, sep: string, token: string) => {
        if (!/\d/.test(token)) return all;
        hit();
        return `${word}${sep}${marker(ID)}`;
      });
    };
  },
});
