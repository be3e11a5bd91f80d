/**
 * The report formats, `--fail-on`, and rendering that imports only the renderer of the format asked
 * for: the CLI uses this module, so `analyze --format json` does not load the HTML, Markdown and
 * text renderers (index.ts imports them all, for callers that want `renderReport` synchronously).
 */
import { SEVERITY_ORDER, type AnalysisResult, type Severity } from '../model.js';

export const REPORT_FORMATS = ['text', 'markdown', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  /** Terminal colour (text only); the CLI decides from the TTY and NO_COLOR. */
  color?: boolean;
  /** Every timeline entry and full excerpts (text and markdown). */
  verbose?: boolean;
}

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

type Renderer = (result: AnalysisResult, options: ReportOptions) => string;

/** The renderer of `format`, its module imported on first use; the same options as renderReport. */
export async function loadRenderer(format: ReportFormat): Promise<Renderer> {
  switch (format) {
    case 'text': {
      const { renderText } = await import('./text.js');
      return (result, options) => renderText(result, { color: options.color === true, verbose: options.verbose === true });
    }
    case 'markdown': {
      const { renderMarkdown } = await import('./markdown.js');
      return (result, options) => renderMarkdown(result, { verbose: options.verbose === true });
    }
    case 'json': {
      const { renderJson } = await import('./json.js');
      return (result) => renderJson(result);
    }
    case 'html': {
      const { renderHtml } = await import('./html.js');
      return (result) => renderHtml(result);
    }
  }
}

/** `--fail-on` values: a severity, or `none` to always exit 0 when the analysis itself worked. */
export const FAIL_ON_LEVELS = ['critical', 'warning', 'info', 'none'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

/**
 * Whether `--fail-on <level>` should turn this result into a non-zero exit: some finding or
 * diagnosis is at that severity or worse.
 */
export function failsOn(result: AnalysisResult, level: FailOn): boolean {
  if (level === 'none') return false;
  const threshold = SEVERITY_ORDER[level];
  const severities: Severity[] = [...result.findings.map((f) => f.severity), ...result.diagnoses.map((d) => d.severity)];
  return severities.some((severity) => SEVERITY_ORDER[severity] <= threshold);
}
