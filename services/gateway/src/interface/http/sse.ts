import type { FastifyReply, FastifyRequest } from 'fastify';
import { toApiError } from '../../edge/error-envelope.filter';

/**
 * A server-sent-events answer written straight to the socket (the reply is hijacked, so Nest and Fastify stay out
 * of the way). `closed` turns true when the client goes away; the producer then cancels its upstream stream.
 */
export class SseWriter {
  private open = true;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    request: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {
    reply.hijack();
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    // Headers set earlier (request id, rate limits, CORS, helmet) are on the Fastify reply, not yet on the socket.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value as string);
    }
    reply.raw.writeHead(200, headers);
    reply.raw.flushHeaders();
    request.raw.socket.setNoDelay(true);
    reply.raw.on('close', () => {
      if (!this.open) return;
      this.open = false;
      for (const listener of this.closeListeners) listener();
    });
  }

  get closed(): boolean {
    return !this.open;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** One event: `data:` is the JSON (or raw string), `event:` only when named. */
  send(data: unknown, event?: string): void {
    if (!this.open) return;
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    this.reply.raw.write(`${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`);
  }

  /** A comment line (ignored by clients): keeps idle connections open through proxies. */
  comment(text: string): void {
    if (!this.open) return;
    this.reply.raw.write(`: ${text}\n\n`);
  }

  /** A failure after the stream started: one `error` event carrying the usual envelope. */
  fail(error: unknown): void {
    this.send(toApiError(error).envelope(), 'error');
  }

  end(): void {
    if (!this.open) return;
    this.open = false;
    this.reply.raw.end();
  }
}
