/**
 * The bundle manifest, format v1. The JSON Schema is the single source of truth: the TypeScript
 * types below are derived from it (json-schema-to-ts), and docs/manifest.schema.json is generated
 * from it, so code, validation and documentation cannot drift apart.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const ARTIFACT_STATUSES = ['ok', 'absent', 'failed', 'forbidden', 'timeout', 'truncated', 'skipped'] as const;

const artifactSourceSchema = {
  oneOf: [
    {
      type: 'object',
      description: 'A file (or directory listing) read on a node; path is as seen on the node, not under --host-root.',
      properties: { kind: { const: 'file' }, path: { type: 'string', minLength: 1 } },
      required: ['kind', 'path'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'A command run on a node.',
      properties: {
        kind: { const: 'command' },
        argv: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['kind', 'argv'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'A Kubernetes API request.',
      properties: {
        kind: { const: 'api' },
        method: { type: 'string' },
        path: { type: 'string', minLength: 1 },
      },
      required: ['kind', 'path'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'Made by cni-evidence itself from other evidence (a describe text, a summary), or supplied by hand to `pack`.',
      properties: {
        kind: { enum: ['derived', 'hand'] },
        from: { type: 'array', items: { type: 'string' } },
        note: { type: 'string' },
      },
      required: ['kind'],
      additionalProperties: false,
    },
  ],
} as const;

export const artifactSchema = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      maxLength: 4096,
      // Relative, forward slashes, no "." or ".." segments: checked again by the reader.
      pattern: '^(?!/)(?!.*(^|/)\\.\\.?(/|$))[^\\\\\\u0000]+$',
    },
    sourceId: { type: 'string', description: 'The evidence source (collector file) that produced it.' },
    source: artifactSourceSchema,
    node: { type: ['string', 'null'] },
    status: { enum: ARTIFACT_STATUSES },
    exitCode: { type: ['integer', 'null'] },
    signal: { type: ['string', 'null'] },
    stderrExcerpt: { type: 'string', maxLength: 8192 },
    bytes: { type: 'integer', minimum: 0 },
    sha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' },
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'number', minimum: 0 },
    error: { type: 'string', description: 'Why it failed, was absent, forbidden or skipped.' },
    truncatedFromBytes: { type: 'integer', minimum: 0, description: 'Size before truncation, when known.' },
    fileMode: { type: 'string', description: 'The source file mode in ls form (-rw-r--r--).' },
    fileMtime: { type: 'string', format: 'date-time' },
    redactions: {
      type: 'object',
      description: 'Per redaction rule, how many values were replaced (never the values).',
      additionalProperties: { type: 'integer', minimum: 0 },
    },
  },
  required: ['path', 'source', 'node', 'status', 'bytes', 'sha256', 'startedAt', 'durationMs'],
  additionalProperties: false,
} as const;

export const manifestSchema = {
  $id: 'https://cni-evidence.dev/schema/manifest-v1.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'cni-evidence bundle manifest',
  type: 'object',
  properties: {
    formatVersion: { type: 'string', pattern: '^1\\.[0-9]+$' },
    tool: {
      type: 'object',
      properties: { name: { const: 'cni-evidence' }, version: { type: 'string' } },
      required: ['name', 'version'],
      additionalProperties: false,
    },
    createdAt: { type: 'string', format: 'date-time' },
    mode: { enum: ['cluster', 'node', 'pack', 'merge', 'lab'] },
    request: {
      type: 'object',
      description: 'What the user asked for.',
      properties: {
        argv: { type: 'array', items: { type: 'string' } },
        namespaces: { type: 'array', items: { type: 'string' } },
        pods: { type: 'array', items: { type: 'string' } },
        nodes: { type: 'array', items: { type: 'string' } },
        selector: { type: 'string' },
        context: { type: 'string' },
        options: { type: 'object' },
      },
      required: ['namespaces', 'pods', 'nodes', 'options'],
      additionalProperties: false,
    },
    completion: {
      type: 'object',
      description: 'Whether the collection ran to the end; a partial bundle says why it stopped.',
      properties: {
        state: { enum: ['complete', 'partial'] },
        reason: { type: 'string' },
      },
      required: ['state'],
      additionalProperties: false,
    },
    redaction: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        obfuscated: { type: 'boolean' },
        totals: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
        keyId: {
          type: 'string',
          pattern: '^[0-9a-f]{16}$',
          description: 'Fingerprint of the pseudonymization key (HMAC of a constant, not the key): bundles with one keyId share one mapping.',
        },
      },
      required: ['enabled'],
      additionalProperties: false,
    },
    migratedFrom: { type: 'string', description: 'Set by the reader when it upgraded an older manifest.' },
    artifacts: { type: 'array', items: artifactSchema },
  },
  required: ['formatVersion', 'tool', 'createdAt', 'mode', 'request', 'completion', 'redaction', 'artifacts'],
  additionalProperties: false,
} as const;

export type Manifest = FromSchema<typeof manifestSchema>;
export type ArtifactEntry = FromSchema<typeof artifactSchema>;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];
export type ArtifactSource = ArtifactEntry['source'];
export type ManifestRequest = Manifest['request'];
