// Records every module a Node process loads, one URL (ESM) or `cjs:<file>` (require) per line,
// into the file named by CNI_EVIDENCE_TRACE_LOADS. Use with `node --import <this file> ...`.
// Plain JavaScript on purpose: it is loaded by node itself, before any TypeScript is compiled.
import { appendFileSync } from 'node:fs';
import module, { register } from 'node:module';

const file = process.env.CNI_EVIDENCE_TRACE_LOADS;

if (file) {
  // ESM: a load hook (it runs on the hooks thread; appendFileSync is fine there).
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function load(url, context, next) {
      appendFileSync(${JSON.stringify(file)}, url + '\\n');
      return next(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);

  // CommonJS: require() inside CJS packages does not pass through the ESM hooks on Node 20.
  const load = module._load;
  module._load = function traced(request, parent, isMain) {
    const exported = load.apply(this, [request, parent, isMain]);
    try {
      appendFileSync(file, `cjs:${module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      appendFileSync(file, `cjs:${request}\n`);
    }
    return exported;
  };
}
