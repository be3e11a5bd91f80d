import { clusterPaths } from '../../../shared/bundle/paths.js';
import { jsonText } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'access-review',
  scope: 'cluster',
  output: 'cluster/access-review.json: what this identity may read, per request the collector makes (SelfSubjectAccessReview)',
  run: async (ctx) => {
    const report = ctx.preflight;
    const source = { kind: 'api' as const, method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' };
    if (!report) {
      ctx.writer.record({ path: clusterPaths.accessReview, sourceId: 'access-review', node: null, source, status: 'skipped', error: 'the preflight did not run' });
      return;
    }
    const unknown = report.checks.filter((c) => c.allowed === null);
    await ctx.writer.write(
      {
        path: clusterPaths.accessReview,
        sourceId: 'access-review',
        node: null,
        source,
        startedAt: report.reviewedAt,
        // Reviews that could not be made leave the report incomplete; say which and why.
        ...(unknown.length === report.checks.length && unknown.length > 0 ? { status: 'failed' as const, error: unknown[0]!.evaluationError ?? 'no review could be made' } : {}),
      },
      jsonText(report),
    );
  },
});
