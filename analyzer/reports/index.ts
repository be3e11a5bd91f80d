import type { AnalysisResult } from '../model.js';
import type { ReportFormat, ReportOptions } from './formats.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export { FAIL_ON_LEVELS, REPORT_FORMATS, failsOn, isReportFormat, loadRenderer, type FailOn, type ReportFormat, type ReportOptions } from './formats.js';

/** Every renderer is imported here; formats.ts `loadRenderer` imports only the one asked for. */
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

export { renderHtml, renderJson, renderMarkdown, renderText };
export { analysisProblems, isValidAnalysis } from './validate-analysis.js';
