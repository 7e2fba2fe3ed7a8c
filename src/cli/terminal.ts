/** Where the CLI writes: results to stdout, problems to stderr, colored only on a terminal. */
export interface Terminal {
  readonly cwd: string;
  readonly out: Output;
  readonly err: Output;
}

export interface Output {
  line(text?: string): void;
  readonly style: Style;
  /** A terminal, not a pipe or file: where output may be redrawn in place. */
  readonly isTTY: boolean;
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

export function processTerminal(): Terminal {
  exitQuietlyWhenPipeCloses(process.stdout);
  exitQuietlyWhenPipeCloses(process.stderr);
  return { cwd: process.cwd(), out: streamOutput(process.stdout), err: streamOutput(process.stderr) };
}

/** `cachegen check | head -1` closes the pipe early: that is the reader's choice, not a crash. */
function exitQuietlyWhenPipeCloses(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

function streamOutput(stream: NodeJS.WriteStream): Output {
  const color = stream.isTTY === true && !process.env.NO_COLOR;
  return {
    line: (text = "") => stream.write(`${text}\n`),
    style: color ? ansiStyle : plainStyle,
    isTTY: stream.isTTY === true,
  };
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const ansiStyle: Style = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
};

const identity = (text: string) => text;

const plainStyle: Style = { bold: identity, dim: identity, red: identity, green: identity, yellow: identity };
