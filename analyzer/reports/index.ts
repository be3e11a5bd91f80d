import { SEVERITY_ORDER, type AnalysisResult, type Severity } from '../model.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

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

export function renderReport(result: AnalysisResult, format: ReportFormat, options: ReportOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(result, { color: options.color === true, verbose: options.verbose === true });
    case 'markdown':
      return renderMarkdown(result, { verbose: options.verbose === true });
    case 'json':
      return renderJson(result);
    case 'html':
      return renderHtml(result);
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

export { renderHtml, renderJson, renderMarkdown, renderText };
export { analysisProblems, isValidAnalysis } from './validate-analysis.js';
