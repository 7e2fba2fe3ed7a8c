/** The minimal structural client the runtime talks to (ioredis 5 and 6, standalone and Cluster). */
export interface CommandClient {
  status: string;
  isCluster?: boolean;
  getBuffer(key: string): Promise<Buffer | null>;
  mgetBuffer(keys: string[]): Promise<(Buffer | null)[]>;
  /** Present on ioredis clients; on a Cluster the reads of one node's slots are pipelined (see cluster-reads). */
  pipeline?(): CommandPipeline;
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
  disconnect(): void;
}

/** The part of an ioredis pipeline the runtime uses. */
export interface CommandPipeline {
  mgetBuffer(keys: string[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}
