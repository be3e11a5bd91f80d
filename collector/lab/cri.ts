/**
 * A minimal CRI (runtime.v1) client over gRPC, written on node:http2 with a hand-rolled protobuf
 * codec for the handful of messages the lab needs. Debian packages neither crictl nor a gRPC
 * library, and this keeps the lab free of extra npm dependencies. Field numbers follow
 * k8s.io/cri-api runtime.v1.
 */
import { connect, constants as h2, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';

type Field = number | bigint | string | boolean | Message | Buffer;
/** Field number -> value(s); nested messages are objects of the same shape. */
export interface Message {
  [field: number]: Field | Field[] | undefined;
}

function varint(value: number | bigint): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

export function encode(message: Message): Buffer {
  const parts: Buffer[] = [];
  for (const [key, raw] of Object.entries(message)) {
    const field = Number(key);
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (value === undefined) continue;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
        parts.push(varint((field << 3) | 0), varint(typeof value === 'boolean' ? (value ? 1 : 0) : value));
      } else {
        const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.isBuffer(value) ? value : encode(value);
        parts.push(varint((field << 3) | 2), varint(body.length), body);
      }
    }
  }
  return Buffer.concat(parts);
}

export interface RawFields {
  varints: Map<number, bigint[]>;
  bytes: Map<number, Buffer[]>;
}

export function decode(buffer: Buffer): RawFields {
  const fields: RawFields = { varints: new Map(), bytes: new Map() };
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset++];
      if (byte === undefined) throw new Error('truncated protobuf');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const tag = Number(readVarint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const list = fields.varints.get(field) ?? [];
      list.push(readVarint());
      fields.varints.set(field, list);
    } else if (wire === 2) {
      const length = Number(readVarint());
      const list = fields.bytes.get(field) ?? [];
      list.push(buffer.subarray(offset, offset + length));
      offset += length;
      fields.bytes.set(field, list);
    } else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return fields;
}

const str = (f: RawFields, n: number) => f.bytes.get(n)?.[0]?.toString('utf8') ?? '';
const int = (f: RawFields, n: number) => Number(f.varints.get(n)?.[0] ?? 0n);

export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly grpcStatus: number,
    readonly details: string,
  ) {
    super(`${method}: rpc error: code = ${grpcCodeName(grpcStatus)} desc = ${details}`);
    this.name = 'CriError';
  }

  /** The error text as kubelet logs it (`rpc error: code = Unknown desc = ...`). */
  get rpcText(): string {
    return `rpc error: code = ${grpcCodeName(this.grpcStatus)} desc = ${this.details}`;
  }
}

const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
export function grpcCodeName(code: number): string {
  return GRPC_CODES[code] ?? `Code(${code})`;
}

export interface PodSandboxSpec {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
  logDirectory: string;
  cgroupParent: string;
}

export interface SandboxSummary {
  id: string;
  name: string;
  namespace: string;
  /** 0 SANDBOX_READY, 1 SANDBOX_NOTREADY */
  state: number;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export class CriClient {
  private session: ClientHttp2Session | undefined;

  constructor(private readonly socketPath: string) {}

  private connectSession(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect('http://localhost', { createConnection: () => netConnect(this.socketPath) });
    session.on('error', () => undefined);
    this.session = session;
    return session;
  }

  call(method: string, request: Message, timeoutMs = 60_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const body = encode(request);
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt8(0, 0);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      const stream = this.connectSession().request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: `/runtime.v1.RuntimeService/${method}`,
        [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${timeoutMs}m`,
      });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let messageText = '';
      const takeStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) {
          status = Number(headers['grpc-status']);
          messageText = decodeURIComponent(String(headers['grpc-message'] ?? ''));
        }
      };
      const timer = setTimeout(() => {
        stream.close(h2.NGHTTP2_CANCEL);
        reject(new CriError(method, 4, 'lab client deadline exceeded'));
      }, timeoutMs + 1000);
      stream.on('response', takeStatus);
      stream.on('trailers', takeStatus);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      stream.on('end', () => {
        clearTimeout(timer);
        if (status !== undefined && status !== 0) return reject(new CriError(method, status, messageText));
        const data = Buffer.concat(chunks);
        resolve(data.length >= 5 ? data.subarray(5, 5 + data.readUInt32BE(1)) : Buffer.alloc(0));
      });
      stream.end(frame);
    });
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const f = decode(await this.call('Version', {}));
    return { runtimeName: str(f, 2), runtimeVersion: str(f, 3) };
  }

  async status(): Promise<RuntimeCondition[]> {
    const f = decode(await this.call('Status', {}));
    const status = f.bytes.get(1)?.[0];
    if (!status) return [];
    return (decode(status).bytes.get(1) ?? []).map((c) => {
      const cf = decode(c);
      return { type: str(cf, 1), status: int(cf, 2) === 1, reason: str(cf, 3), message: str(cf, 4) };
    });
  }

  /** Status with verbose info: containerd puts its loaded CNI config under `cniconfig`. */
  async statusInfo(): Promise<Map<string, string>> {
    const f = decode(await this.call('Status', { 1: true }));
    const info = new Map<string, string>();
    for (const entry of f.bytes.get(2) ?? []) {
      const ef = decode(entry);
      info.set(str(ef, 1), str(ef, 2));
    }
    return info;
  }

  async runPodSandbox(spec: PodSandboxSpec): Promise<string> {
    const request: Message = {
      1: {
        1: { 1: spec.name, 2: spec.uid, 3: spec.namespace, 4: spec.attempt ?? 0 },
        2: spec.name,
        3: spec.logDirectory,
        8: { 1: spec.cgroupParent },
      },
    };
    return str(decode(await this.call('RunPodSandbox', request, 120_000)), 1);
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', { 1: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', { 1: id });
  }

  async listPodSandbox(): Promise<SandboxSummary[]> {
    const f = decode(await this.call('ListPodSandbox', {}));
    return (f.bytes.get(1) ?? []).map((item) => {
      const sf = decode(item);
      const meta = decode(sf.bytes.get(2)?.[0] ?? Buffer.alloc(0));
      return { id: str(sf, 1), name: str(meta, 1), namespace: str(meta, 3), state: int(sf, 3) };
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
