import { defineRule, marker } from '../rule.js';

const ID = 'known-token-formats';
const PATTERNS: readonly RegExp[] = [
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}(?![A-Za-z0-9_])/g, // GitHub
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,}/g,
  /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{20,}/g, // Stripe
  /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g, // npm
  /(?<![A-Za-z0-9_.])hv[sb]\.[A-Za-z0-9_-]{24,}/g, // HashiCorp Vault
  /(?<![A-Za-z0-9_])dop_v1_[a-f0-9]{64}(?![a-f0-9])/g, // DigitalOcean
  /(?<![A-Za-z0-9_])glc_[A-Za-z0-9+/]{32,}={0,2}/g, // Grafana Cloud
];
const HINT = /gh[pousr]_|github_pat_|glpat-|xox|_live_|npm_|hv[sb]\.|dop_v1_|glc_/;

export default defineRule({
  id: ID,
  description: 'Tokens with a self-describing prefix, wherever they appear: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-), Slack (xox?-), Stripe (sk_live_, rk_live_), npm (npm_), Vault (hvs., hvb.), DigitalOcean (dop_v1_), Grafana Cloud (glc_).',
  trigger: { patterns: [HINT] },
  create() {
    return (line, hit) => {
      if (!HINT.test(line)) return line;
      let out = line;
      for (const pattern of PATTERNS) {
        out = out.replace(pattern, () => {
          hit();
          return marker(ID);
        });
      }
      return out;
    };
  },
});
