/** knip-style exit codes: scripts and CI can tell "found problems" from "the tool broke". */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_TOOL_ERROR = 2;
