import { Injectable } from '@nestjs/common';
import { GATEWAY_CONTROLLERS } from '../interface/http/controllers';
import { GATEWAY_VERSION } from '../interface/http/system-health.http.controller';
import { buildOpenApiDocument } from './openapi-document';

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The document, built once at start-up from the same controllers the app serves. */
@Injectable()
export class OpenApiDocument {
  readonly document = buildOpenApiDocument(GATEWAY_CONTROLLERS, GATEWAY_VERSION);
  readonly html: string;

  constructor() {
    const paths = this.document.paths as Record<string, Record<string, { summary: string; description: string }>>;
    const rows = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}</td></tr>`,
      ),
    );
    this.html = `<!doctype html><html><head><meta charset="utf-8"><title>NeuroForge API</title></head><body>
<h1>NeuroForge gateway API</h1><p>OpenAPI 3.1: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a></p>
<table><thead><tr><th>method</th><th>path</th><th>summary</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>
</body></html>`;
  }
}
