/** The minimal structural client the runtime talks to (ioredis 5 and 6, standalone and Cluster). */
export interface CommandClient {
  status: string;
  isCluster?: boolean;
  getBuffer(key: string): Promise<Buffer | null>;
  mgetBuffer(keys: string[]): Promise<(Buffer | null)[]>;
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  call(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  duplicate(): CommandClient;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  subscribe(...channels: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  connect?(): Promise<void>;
  /** `reconnect`: ioredis connects again at once (to the primary the sentinels name now, for a Sentinel client). */
  disconnect(reconnect?: boolean): void;
  /** Commands sent together; on a Cluster, to the node of their keys' slot (keyless ones go along). */
  pipeline?(): ClientPipeline;
}

/** Sends what was queued (no command of its own: no MULTI was queued); each reply with its error. */
interface PipelineSend {
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The part of an ioredis pipeline the runtime uses. */
export interface ClientPipeline extends PipelineSend {
  pttl(key: string): ClientPipeline;
  call(command: string, ...args: (string | Buffer | number)[]): ClientPipeline;
}
