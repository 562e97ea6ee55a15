import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from '../readiness/readiness';
import { metricsContentType, metricsText } from '../telemetry';
import { liveness, readinessResponse } from './health-responses';

/**
 * The operations port (9101–9106): `/health/live`, `/health/ready`, `/metrics`. Plain node:http so it stays
 * up, independent of the service's framework, until the very end of shutdown.
 */
export class OpsServer {
  private readonly server: Server;

  constructor(private readonly readiness: Readiness) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (statusCode: number, body: string, contentType: string) => {
        res.writeHead(statusCode, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      };
      const json = (statusCode: number, body: unknown) =>
        send(statusCode, JSON.stringify(body), 'application/json; charset=utf-8');
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: { code: 'METHOD_NOT_ALLOWED' } });
      switch (path) {
        case '/health/live': {
          const { statusCode, body } = liveness(this.readiness.service);
          return json(statusCode, body);
        }
        case '/health/ready':
          return void this.readiness.evaluate().then(
            (report) => {
              const { statusCode, body } = readinessResponse(report);
              json(statusCode, body);
            },
            (error: unknown) => json(500, { error: { code: 'READINESS_FAILED', message: String(error) } }),
          );
        case '/metrics':
          return void metricsText().then(
            (text) => send(200, text, metricsContentType),
            (error: unknown) => json(500, { error: { code: 'METRICS_FAILED', message: String(error) } }),
          );
        default:
          return json(404, { error: { code: 'NOT_FOUND', message: `no route ${path}` } });
      }
    });
    // Scrapers and probes reconnect often; do not let idle keep-alive sockets hold shutdown open.
    this.server.keepAliveTimeout = 2000;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
