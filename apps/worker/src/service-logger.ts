import { Writable } from 'node:stream';
import { type LevelWithSilent, type Logger, pino } from 'pino';

export type ServiceLogger = Logger;

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Readable lines for a person at a terminal: `time LEVEL message key=value…`, one per record,
 * as the services printed before they had levels.
 */
function terminalLines(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const {
          time,
          level,
          msg,
          pid: _pid,
          hostname: _host,
          service: _service,
          ...rest
        } = JSON.parse(chunk.toString()) as Record<string, unknown>;
        const extra = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        const when = new Date(Number(time)).toISOString();
        out.write(
          `${when} ${(LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`,
        );
      } catch {
        out.write(chunk);
      }
      done();
    },
  });
}

/**
 * The leveled logger of a long-running service (`worker`, `serve`): JSON lines (pino) on stderr
 * when it is not a terminal — journald, containers and log shippers parse them — and readable
 * lines on a terminal. Level from IWAE_SWEEP_LOG_LEVEL (default info); `format` forces either.
 */
export function serviceLogger(
  name: string,
  opts: { level?: LevelWithSilent; format?: 'json' | 'text'; stream?: NodeJS.WritableStream } = {},
): ServiceLogger {
  const out = opts.stream ?? process.stderr;
  const format = opts.format ?? ((out as NodeJS.WriteStream).isTTY ? 'text' : 'json');
  const level = opts.level ?? 'info';
  return pino(
    { level, base: { service: name }, timestamp: pino.stdTimeFunctions.epochTime },
    format === 'json' ? (opts.stream ?? pino.destination({ dest: 2, sync: true })) : terminalLines(out),
  );
}

/** The four levels the services use: what the collector and the worker are given. */
export type LevelLog = Pick<ServiceLogger, 'debug' | 'info' | 'warn' | 'error'>;

/** A leveled log over a plain line writer (progress displays that print their own lines). */
export function lineLog(write: (line: string) => void, minLevel: 'debug' | 'info' = 'info'): LevelLog {
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      if (level === 'debug' && minLevel !== 'debug') return;
      write(typeof obj === 'string' ? obj : (msg ?? JSON.stringify(obj)));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as LevelLog;
}

/** What services and their embedders pass: a leveled log, or plain lines (levels dropped). */
export type AnyLog = LevelLog | ((line: string) => void);

export function asLevelLog(log: AnyLog | undefined): LevelLog {
  if (log === undefined) return lineLog((line) => process.stderr.write(`${line}\n`));
  return typeof log === 'function' ? lineLog(log) : log;
}
