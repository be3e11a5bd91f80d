/**
 * Renders the node plan into one POSIX sh script (dash, bash and busybox ash), for a privileged
 * pod that runs it under `chroot /host` and streams the result back as a tar on stdout.
 *
 * The script only gathers raw facts: content cut to the cap, the full size, mode, mtime, exit
 * code, stderr, timings. It never computes bundle paths or formats listings; `ingestNodeTar`
 * hands those facts to the same functions the local executor uses, so the two executors cannot
 * drift. `HOST_ROOT` (empty under chroot) lets the same script read a root mounted elsewhere.
 *
 * Tar layout: `header` (host_root=...), `plan.json`, and per artifact N: `N.meta` (key=value),
 * `N.path` (the node path, raw bytes), `N.out` (content), `N.err` (stderr or read error),
 * `N.ls` (listing rows: `stat` line, sha256, name, link target), `N.v/` (VERSION answers).
 */
import { nodeRecipe } from '../sources/node/index.js';
import type { CommandArg, NodeRecipeOptions, NodeSourceDefinition } from '../sources/define.js';
import { VERSION_ANSWER_MAX, VERSION_STDIN } from './evidence.js';
import { STANDARD_PATH } from './local-executor.js';
import { planNode, splitGlob, type NodePlan, type PlannedCommand, type PlannedFiles, type PlannedListing } from './plan.js';

export type RenderNodeScriptOptions = Partial<NodeRecipeOptions>;

/** Single-quotes a literal for sh. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A literal that may contain `{root}`, which becomes "$HOST_ROOT". */
function shWord(value: string): string {
  return value
    .split('{root}')
    .map((part) => (part === '' ? '' : shQuote(part)))
    .join('"$HOST_ROOT"') || "''";
}

const PRELUDE = String.raw`#!/bin/sh
# cni-evidence node collector, generated from the node recipe. Writes a tar to stdout.
# Run as root on the node, or: chroot /host sh -s < this-script, or: HOST_ROOT=/host sh this-script
set -u
umask 077
HOST_ROOT=${'$'}{HOST_ROOT:-}
while [ "${'$'}{HOST_ROOT%/}" != "$HOST_ROOT" ]; do HOST_ROOT=${'$'}{HOST_ROOT%/}; done
PATH=__STANDARD_PATH__${'$'}{PATH:+:$PATH}
export PATH
CE_OUT=$(mktemp -d "${'$'}{TMPDIR:-/tmp}/cni-evidence.XXXXXX") || { echo "cni-evidence: cannot create a temp folder" >&2; exit 70; }
trap 'rm -rf "$CE_OUT"' EXIT
trap 'exit 130' INT TERM HUP
cd /
CE_N=0
CE_TIMEOUT=
command -v timeout >/dev/null 2>&1 && CE_TIMEOUT=timeout
ce_ms_ns=0
case $(date +%s%N 2>/dev/null) in *[!0-9]*|'') ce_ms_ns=0 ;; *) ce_ms_ns=1 ;; esac
ce_now() { if [ "$ce_ms_ns" = 1 ]; then echo $(( $(date +%s%N) / 1000000 )); else echo $(( $(date +%s) * 1000 )); fi; }
ce_next() { CE_N=$((CE_N + 1)); CE_A="$CE_OUT/$CE_N"; }
# ce_meta KEY=VALUE... appends to the current artifact's metadata
ce_meta() { for ce_kv in "$@"; do printf '%s\n' "$ce_kv" >> "$CE_A.meta"; done; }
# The message after the last ": " of a tool's error line (the strerror text).
ce_errtext() { sed -n '1{s/.*: //;p;}' "$1" 2>/dev/null; }
# ce_glob PREFIX PATTERN... -> $CE_OUT/matches: node paths, byte-sorted; * and ? stay within a level
ce_glob() {
  printf '%s\n' "$1" > "$CE_OUT/g.cur"; shift
  if [ $# -eq 0 ]; then
    ce_g=$(cat "$CE_OUT/g.cur")
    if [ -e "$HOST_ROOT$ce_g" ] || [ -L "$HOST_ROOT$ce_g" ]; then cp "$CE_OUT/g.cur" "$CE_OUT/matches"; else : > "$CE_OUT/matches"; fi
    return 0
  fi
  for ce_pat in "$@"; do
    : > "$CE_OUT/g.next"
    while IFS= read -r ce_d; do
      for ce_e in "$HOST_ROOT$ce_d"/* "$HOST_ROOT$ce_d"/.[!.]* "$HOST_ROOT$ce_d"/..?*; do
        [ -e "$ce_e" ] || [ -L "$ce_e" ] || continue
        ce_n=${'$'}{ce_e##*/}
        case $ce_n in $ce_pat) printf '%s\n' "$ce_d/$ce_n" >> "$CE_OUT/g.next" ;; esac
      done
    done < "$CE_OUT/g.cur"
    mv "$CE_OUT/g.next" "$CE_OUT/g.cur"
  done
  LC_ALL=C sort < "$CE_OUT/g.cur" > "$CE_OUT/matches"
}
# ce_file REF NODEPATH MAXBYTES KEEP
ce_file() {
  ce_next; ce_st=$(ce_now); ce_f="$HOST_ROOT$2"
  printf '%s' "$2" > "$CE_A.path"
  ce_meta "ref=$1" kind=file "start=$ce_st"
  if ce_i=$(stat -L -c '%A %s %Y' "$ce_f" 2> "$CE_A.err"); then
    set -- "$1" "$2" "$3" "$4" $ce_i
    ce_meta "mode=$5" "size=$6" "mtime=$7"
    if [ ! -f "$ce_f" ]; then
      printf 'not a regular file' > "$CE_A.err"; ce_meta status=failed
    elif { if [ "$4" = tail ]; then tail -c "$3" "$ce_f"; else head -c "$3" "$ce_f"; fi; } > "$CE_A.out" 2> "$CE_A.e0"; then
      ce_meta status=ok; : > "$CE_A.err"
    else
      rm -f "$CE_A.out"; ce_errtext "$CE_A.e0" > "$CE_A.err"; ce_meta status=failed
    fi
    rm -f "$CE_A.e0"
  else
    ce_errtext "$CE_A.err" > "$CE_A.e0"; mv "$CE_A.e0" "$CE_A.err"
    if ce_i=$(stat -c '%A %s %Y' "$ce_f" 2>/dev/null); then set -- "$1" "$2" "$3" "$4" $ce_i; ce_meta "mode=$5" "size=$6" "mtime=$7"; fi
    ce_meta status=failed
  fi
  ce_meta "end=$(ce_now)"
}
# ce_files REF MAXBYTES KEEP MAXFILES, then globs as ce_glob calls between ce_files_begin/ce_files_end
ce_files_begin() { CE_FREF=$1; CE_FMAX=$2; CE_FKEEP=$3; CE_FLIMIT=$4; CE_FSTORED=0; CE_FANY=0; CE_FST=$(ce_now); : > "$CE_OUT/seen"; }
ce_files_take() {
  while IFS= read -r ce_p; do
    if grep -qxF -e "$ce_p" "$CE_OUT/seen"; then continue; fi
    printf '%s\n' "$ce_p" >> "$CE_OUT/seen"
    [ -d "$HOST_ROOT$ce_p" ] && continue
    CE_FANY=1
    if [ "$CE_FSTORED" -ge "$CE_FLIMIT" ]; then
      ce_next; printf '%s' "$ce_p" > "$CE_A.path"; ce_meta "ref=$CE_FREF" kind=skipped "start=$(ce_now)"
      continue
    fi
    CE_FSTORED=$((CE_FSTORED + 1))
    ce_file "$CE_FREF" "$ce_p" "$CE_FMAX" "$CE_FKEEP"
  done < "$CE_OUT/matches"
}
ce_files_end() { if [ "$CE_FANY" = 0 ]; then ce_next; ce_meta "ref=$CE_FREF" kind=nomatch "start=$CE_FST"; fi; }
# ce_listing REF DIR DEPTH SHA(0|1)
ce_listing() {
  ce_next; ce_st=$(ce_now); ce_d="$HOST_ROOT$2"
  ce_meta "ref=$1" kind=listing "start=$ce_st"
  if [ ! -e "$ce_d" ]; then ce_meta state=absent "end=$(ce_now)"; return 0; fi
  if ce_i=$(TZ=UTC stat -L -c '%A %h %u %g %s %Y %y' "$ce_d" 2>/dev/null); then ce_meta "self=$ce_i"; fi
  if [ ! -d "$ce_d" ]; then printf 'Not a directory' > "$CE_A.err"; ce_meta state=failed "end=$(ce_now)"; return 0; fi
  if ! ls -a "$ce_d/" > /dev/null 2> "$CE_A.e0"; then ce_errtext "$CE_A.e0" > "$CE_A.err"; rm -f "$CE_A.e0"; ce_meta state=failed "end=$(ce_now)"; return 0; fi
  rm -f "$CE_A.e0"; : > "$CE_A.ls"; ce_wantsha=$4
  find "$ce_d/" -mindepth 1 -maxdepth "$3" 2>/dev/null | LC_ALL=C sort > "$CE_OUT/found"
  while IFS= read -r ce_e; do
    ce_i=$(TZ=UTC stat -c '%A %h %u %g %s %Y %y' "$ce_e" 2>/dev/null) || continue
    ce_rel=${'$'}{ce_e#"$ce_d"/}
    ce_sha=
    if [ "$ce_wantsha" = 1 ] && [ -f "$ce_e" ]; then
      ce_sha=$(sha256sum < "$ce_e" 2>/dev/null | cut -c1-64)
      case $ce_sha in ????????????????????????????????????????????????????????????????) ;; *) ce_sha=- ;; esac
    fi
    ce_t=
    [ -L "$ce_e" ] && ce_t=$(readlink "$ce_e")
    printf '%s\t%s\t%s\t%s\n' "$ce_i" "$ce_sha" "$ce_rel" "$ce_t" >> "$CE_A.ls"
  done < "$CE_OUT/found"
  ce_meta state=ok "end=$(ce_now)"
}
# ce_versions REF DIR TIMEOUT_S SKIP... (after ce_listing of the same folder)
ce_versions() {
  ce_next; ce_meta "ref=$1" kind=versions "start=$(ce_now)"; ce_d="$HOST_ROOT$2"; ce_vt=$3; shift 3
  if [ ! -d "$ce_d" ]; then ce_meta state=absent "end=$(ce_now)"; return 0; fi
  mkdir "$CE_A.v"; ce_vi=0; printf '%s' __VERSION_STDIN__ > "$CE_OUT/vin"
  for ce_e in "$ce_d"/* "$ce_d"/.[!.]* "$ce_d"/..?*; do
    [ -f "$ce_e" ] && [ -x "$ce_e" ] || continue
    ce_vi=$((ce_vi + 1)); ce_n=${'$'}{ce_e##*/}; ce_v="$CE_A.v/$ce_vi"
    printf '%s' "$ce_n" > "$ce_v.name"
    ce_skip=0
    for ce_s in "$@"; do [ "$ce_s" = "$ce_n" ] && ce_skip=1; done
    if [ "$ce_skip" = 1 ]; then printf 'skipped' > "$ce_v.rc"; continue; fi
    if [ -n "$CE_TIMEOUT" ]; then
      timeout -k 2 "$ce_vt" env -i PATH="$PATH" CNI_COMMAND=VERSION "$ce_e" < "$CE_OUT/vin" > "$ce_v.o0" 2> "$ce_v.e0"
    else
      env -i PATH="$PATH" CNI_COMMAND=VERSION "$ce_e" < "$CE_OUT/vin" > "$ce_v.o0" 2> "$ce_v.e0"
    fi
    printf '%s' "$?" > "$ce_v.rc"
    head -c __VERSION_MAX__ "$ce_v.o0" > "$ce_v.out"; head -c __VERSION_MAX__ "$ce_v.e0" > "$ce_v.err"; rm -f "$ce_v.o0" "$ce_v.e0"
  done
  ce_meta state=ok "end=$(ce_now)"
}
# ce_run TIMEOUT_S MAXBYTES KEEP STDIN -- ARGV... (after ce_next and ce_meta ref/kind/start/used)
ce_run() {
  ce_t=$1; ce_max=$2; ce_keep=$3; ce_in=$4; shift 5
  if [ "$ce_keep" = tail ]; then
    if [ -n "$CE_TIMEOUT" ]; then timeout -k 2 "$ce_t" "$@" < "$ce_in" > "$CE_A.raw" 2> "$CE_A.e0"; else "$@" < "$ce_in" > "$CE_A.raw" 2> "$CE_A.e0"; fi
    ce_rc=$?
    ce_size=$(wc -c < "$CE_A.raw")
    tail -c "$ce_max" "$CE_A.raw" > "$CE_A.out"; rm -f "$CE_A.raw"
  else
    { if [ -n "$CE_TIMEOUT" ]; then timeout -k 2 "$ce_t" "$@" < "$ce_in" 2> "$CE_A.e0"; else "$@" < "$ce_in" 2> "$CE_A.e0"; fi; echo $? > "$CE_A.rc"; } \
      | { head -c "$ce_max" > "$CE_A.out"; wc -c > "$CE_A.rest"; }
    ce_rc=$(cat "$CE_A.rc"); ce_size=$(( $(wc -c < "$CE_A.out") + $(cat "$CE_A.rest") )); rm -f "$CE_A.rc" "$CE_A.rest"
  fi
  head -c 8192 "$CE_A.e0" > "$CE_A.err"; rm -f "$CE_A.e0"
  ce_meta "rc=$ce_rc" "size=$ce_size" "timeout=${'$'}{CE_TIMEOUT:+1}" "end=$(ce_now)"
}
printf 'host_root=%s\n' "$HOST_ROOT" > "$CE_OUT/header"
`;

// header and plan.json go first, so a stream cut later still says what the node was asked for.
const EPILOGUE = `cd "$CE_OUT" || exit 1
set -- header plan.json
for ce_f in *; do case "$ce_f" in header|plan.json) ;; *) set -- "$@" "$ce_f" ;; esac; done
tar -cf - "$@"
`;

function renderArgv(args: readonly CommandArg[]): string {
  // Built with `set --` so host-root-only arguments can be added in place.
  const lines: string[] = ['set --'];
  for (const arg of args) {
    if (typeof arg === 'string') lines.push(`set -- "$@" ${shWord(arg)}`);
    else lines.push(`if [ -n "$HOST_ROOT" ]; then set -- "$@" ${arg.ifHostRoot.map(shWord).join(' ')}; fi`);
  }
  return lines.join('\n');
}

function renderFiles(ref: string, action: PlannedFiles): string {
  const lines = [`ce_files_begin ${shQuote(ref)} ${action.maxBytes} ${action.keep} ${action.maxFiles}`];
  for (const glob of action.globs) {
    const { prefix, patterns } = splitGlob(glob);
    lines.push(`ce_glob ${[prefix, ...patterns].map(shQuote).join(' ')}`, 'ce_files_take');
  }
  lines.push('ce_files_end');
  return lines.join('\n');
}

function renderListing(ref: string, action: PlannedListing): string {
  const lines = [`ce_listing ${shQuote(ref)} ${shQuote(action.dir)} ${action.depth} ${action.withSha256 ? 1 : 0}`];
  if (action.versionsTo !== null) {
    const seconds = Math.max(1, Math.ceil(action.versionTimeoutMs / 1000));
    lines.push(`ce_versions ${shQuote(ref)} ${shQuote(action.dir)} ${seconds} ${action.versionsSkip.map(shQuote).join(' ')}`.trimEnd());
  }
  return lines.join('\n');
}

function renderCommand(ref: string, action: PlannedCommand): string {
  const seconds = Math.max(1, Math.ceil(action.timeoutMs / 1000));
  const lines = ['ce_next', `ce_meta ref=${shQuote(ref)} kind=command "start=$(ce_now)"`, 'ce_used='];
  action.candidates.forEach((candidate, index) => {
    lines.push(
      `if [ -z "$ce_used" ]; then`,
      renderArgv(candidate),
      `  if command -v "$1" >/dev/null 2>&1; then ce_used=${index}; fi`,
      'fi',
    );
  });
  const stdin = action.stdin === null ? '/dev/null' : '"$CE_OUT/stdin"';
  lines.push('if [ -n "$ce_used" ]; then', `  ce_meta "used=$ce_used"`);
  if (action.stdin !== null) lines.push(`  printf '%s' ${shQuote(action.stdin)} > "$CE_OUT/stdin"`);
  const env = Object.entries(action.env).map(([k, v]) => `${k}=${shQuote(v)}`);
  const argvPrefix = env.length > 0 ? `env ${env.join(' ')} ` : '';
  lines.push(`  ce_run ${seconds} ${action.maxBytes} ${action.keep} ${stdin} -- ${argvPrefix}"$@"`, 'else', `  ce_meta "end=$(ce_now)"`, 'fi');
  return lines.join('\n');
}

export function renderPlanScript(plan: NodePlan): string {
  const body: string[] = [];
  for (const step of plan.steps) {
    body.push(`# ${step.ref}`);
    const action = step.action;
    if (action.kind === 'files') body.push(renderFiles(step.ref, action));
    else if (action.kind === 'listing') body.push(renderListing(step.ref, action));
    else body.push(renderCommand(step.ref, action));
  }
  const prelude = PRELUDE.replace('__STANDARD_PATH__', STANDARD_PATH.join(':')).replace(/__VERSION_MAX__/g, String(VERSION_ANSWER_MAX))
    .replace('__VERSION_STDIN__', shQuote(VERSION_STDIN));
  const planLine = `printf '%s' ${shQuote(JSON.stringify(plan))} > "$CE_OUT/plan.json"\n`;
  return `${prelude}${planLine}${body.join('\n')}\n${EPILOGUE}`;
}

/** The POSIX sh script for a recipe: run it on the node (or chrooted into its root); it writes a tar to stdout. */
export function renderNodeScript(recipe: readonly NodeSourceDefinition[] = nodeRecipe, options: RenderNodeScriptOptions = {}): string {
  return renderPlanScript(planNode(recipe, options));
}

/** The other half: turns this script's tar into bundle artifacts (see ingest.ts). */
export { ingestNodeTar, type IngestOptions, type IngestResult } from './ingest.js';
