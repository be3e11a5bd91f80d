/**
 * pods/exec over WebSocket, speaking the remotecommand channel protocol of the kubelet's stream
 * server (k8s.io/apimachinery/pkg/util/httpstream/wsstream):
 *   - binary frames, first byte = channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status JSON),
 *     4 resize; v5.channel.k8s.io adds 255 = "close channel N" (the client half-closing stdin);
 *   - base64.channel.k8s.io / v4.base64.channel.k8s.io: text frames, channel as an ASCII digit and
 *     the payload base64-encoded.
 * The server picks the first subprotocol the client offers that it supports, like the kubelet.
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';

export const SUPPORTED_EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'base64.channel.k8s.io',
  'channel.k8s.io',
] as const;

export function chooseExecProtocol(offered: Iterable<string>): string | false {
  for (const p of offered) {
    if ((SUPPORTED_EXEC_PROTOCOLS as readonly string[]).includes(p)) return p;
  }
  return false;
}

export interface ExecContext {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
  /** null when the client did not ask for stdin. Ends when the client half-closes stdin. */
  stdin: Readable | null;
  /** Environment for the process: PATH plus the container's literal env plus the fixture's exec env. */
  env: Record<string, string>;
  cwd: string | undefined;
  /** The pod object as stored (read-only by convention). */
  podObject: unknown;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
}

export interface ExecResult {
  stdout?: Readable | null;
  stderr?: Readable | null;
  /**
   * Resolves to the exit code once the process has ended. Rejecting makes the server report an
   * InternalError Status, the way the kubelet reports a runtime failure to start the process.
   */
  exit: Promise<number>;
  /** Called when the stream is torn down before the process ended. */
  kill?: () => void;
}

export type ExecHandler = (ctx: ExecContext) => ExecResult | Promise<ExecResult>;

/** Tracks processes started by the default handler so close() can kill them. */
export interface ProcessTracker {
  add(kill: () => void): () => void;
}

/**
 * Runs the command as a real local process: `spawn(command[0], command.slice(1))`. The error text
 * for a missing executable is the one containerd+runc return, because collectors match it.
 */
export function localProcessExecHandler(tracker?: ProcessTracker): ExecHandler {
  return (ctx) => {
    const [file, ...args] = ctx.command;
    if (file === undefined) {
      return { exit: Promise.reject(new Error('command must be specified')) };
    }
    const child = spawn(file, args, {
      env: ctx.env,
      cwd: ctx.cwd,
      stdio: [ctx.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const untrack = tracker?.add(() => child.kill('SIGKILL')) ?? (() => undefined);
    if (ctx.stdin !== null && child.stdin !== null) {
      const childStdin = child.stdin;
      // A command that exits without reading all stdin (e.g. `head -c1`) must not crash the server.
      childStdin.on('error', () => undefined);
      ctx.stdin.pipe(childStdin);
    }
    const exit = new Promise<number>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        untrack();
        if (err.code === 'ENOENT') {
          reject(
            new Error(
              `failed to exec in container: failed to start exec "${randomHex(64)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${file}": executable file not found in $PATH: unknown`,
            ),
          );
        } else {
          reject(err);
        }
      });
      // 'close' (not 'exit') fires after stdout/stderr are drained, so the status goes out last.
      child.once('close', (code, signal) => {
        untrack();
        resolve(code ?? (signal !== null ? 128 + signalNumber(signal) : 1));
      });
    });
    return { stdout: child.stdout, stderr: child.stderr, exit, kill: () => child.kill('SIGKILL') };
  };
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return table[sig] ?? 1;
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

export interface ExecStreamFault {
  /** Tear the connection down (no status, no close frame) after this many stdout+stderr bytes. */
  cutAfterBytes?: number;
  /** Accept the WebSocket but never send anything nor start the process. */
  hang?: boolean;
}

export interface ExecSessionOptions {
  ws: WebSocket;
  protocol: string;
  wantStdin: boolean;
  wantStdout: boolean;
  wantStderr: boolean;
  tty: boolean;
  fault: ExecStreamFault | undefined;
  command: string[];
  start: (stdin: Readable | null, signal: AbortSignal) => Promise<ExecResult>;
  onDone?: () => void;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;
/** Stop reading the process output while this much is queued on the socket. */
const HIGH_WATER = 1 << 20;

export function runExecSession(o: ExecSessionOptions): void {
  const { ws } = o;
  const base64 = o.protocol.includes('base64');
  const supportsClose = o.protocol === 'v5.channel.k8s.io';
  const v4OrLater = o.protocol.startsWith('v4.') || o.protocol.startsWith('v5.');
  const abort = new AbortController();
  let sentOutput = 0;
  let finished = false;

  const encode = (channel: number, data: Buffer): Buffer | string => {
    if (base64) return String.fromCharCode(48 + channel) + data.toString('base64');
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = channel;
    data.copy(frame, 1);
    return frame;
  };
  const send = (channel: number, data: Buffer, cb?: () => void): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(encode(channel, data), { binary: !base64 }, cb ? () => cb() : undefined);
  };
  const teardown = (): void => {
    if (finished) return;
    finished = true;
    abort.abort();
    o.onDone?.();
  };
  ws.on('close', teardown);
  ws.on('error', teardown);

  if (o.fault?.hang === true) return;

  const stdin = o.wantStdin ? new PassThrough() : null;
  let stdinPaused = false;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    let data: Buffer = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (data.length === 0) return;
    let channel: number;
    if (base64 && !isBinary) {
      const text = data.toString('latin1');
      channel = text.charCodeAt(0) - 48;
      data = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = data[0] as number;
      data = data.subarray(1);
    }
    if (channel === STDIN && stdin !== null && !stdin.writableEnded) {
      // Backpressure from the process's stdin reaches the client through TCP: stop reading the socket.
      if (!stdin.write(Buffer.from(data)) && !stdinPaused) {
        stdinPaused = true;
        ws.pause();
        stdin.once('drain', () => {
          stdinPaused = false;
          ws.resume();
        });
      }
    } else if (channel === CLOSE && supportsClose && data[0] === STDIN) {
      stdin?.end();
    } else if (channel === RESIZE) {
      // No terminal to resize; the JSON {Width,Height} is accepted and ignored.
    }
  });

  // wsstream opens every write channel with an empty frame; clients skip empty payloads.
  if (o.wantStdout) send(STDOUT, Buffer.alloc(0));
  if (o.wantStderr && !o.tty) send(STDERR, Buffer.alloc(0));
  send(ERROR, Buffer.alloc(0));

  const cutAt = o.fault?.cutAfterBytes;
  const pump = (stream: Readable | null | undefined, channel: number, wanted: boolean): Promise<void> =>
    new Promise((resolve) => {
      if (stream === null || stream === undefined) return resolve();
      stream.on('data', (chunk: Buffer) => {
        if (finished) return;
        if (!wanted) return;
        let piece = chunk;
        if (cutAt !== undefined && sentOutput + piece.length >= cutAt) {
          piece = piece.subarray(0, Math.max(0, cutAt - sentOutput));
          sentOutput += piece.length;
          const cut = (): void => {
            ws.terminate();
            teardown();
          };
          if (piece.length > 0) send(channel, piece, cut);
          else cut();
          return;
        }
        sentOutput += piece.length;
        send(channel, piece);
        if (ws.bufferedAmount > HIGH_WATER) {
          stream.pause();
          const wait = (): void => {
            if (finished || ws.bufferedAmount <= HIGH_WATER / 4) stream.resume();
            else setTimeout(wait, 5);
          };
          setTimeout(wait, 5);
        }
      });
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
    });

  function finishWithStatus(status: Record<string, unknown>): void {
    if (finished) return;
    // Status before v4 was a plain error string; v4+ clients decode the JSON Status.
    const payload = v4OrLater ? JSON.stringify(status) : String(status.message ?? '');
    if (!v4OrLater && status.status === 'Success') {
      closeNormally();
      return;
    }
    send(ERROR, Buffer.from(payload), closeNormally);
  }
  function closeNormally(): void {
    if (ws.readyState === ws.OPEN) ws.close(1000);
    teardown();
  }

  void (async () => {
    let result: ExecResult;
    try {
      result = await o.start(stdin, abort.signal);
    } catch (err) {
      finishWithStatus(internalError(err));
      return;
    }
    abort.signal.addEventListener('abort', () => result.kill?.(), { once: true });
    let code: number;
    try {
      const [exitCode] = await Promise.all([
        result.exit,
        pump(result.stdout, STDOUT, o.wantStdout),
        pump(result.stderr, o.tty ? STDOUT : STDERR, o.wantStderr || o.tty),
      ]);
      code = exitCode;
    } catch (err) {
      finishWithStatus(internalError(err));
      return;
    }
    if (code === 0) finishWithStatus({ metadata: {}, status: 'Success' });
    else finishWithStatus(nonZeroExit(code, o.command));
  })();
}

function nonZeroExit(code: number, cmd: string[]): Record<string, unknown> {
  // containerd's wording, with the command printed like Go's %v of a []string.
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalError(err: unknown): Record<string, unknown> {
  const msg = err instanceof Error ? err.message : String(err);
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${msg}`,
    reason: 'InternalError',
    details: { causes: [{ message: `error executing command in container: ${msg}` }] },
    code: 500,
  };
}
