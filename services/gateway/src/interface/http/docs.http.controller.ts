import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Public } from '../../edge/route-policy';
import { OpenApiDocument } from '../../openapi/openapi.provider';

/** The API description: OpenAPI 3.1 JSON and a plain HTML index of the routes (no external assets). */
@Controller('api/docs')
@Public()
export class DocsHttpController {
  constructor(@Inject(OpenApiDocument) private readonly openapi: OpenApiDocument) {}

  @Get('openapi.json')
  json(): Record<string, unknown> {
    return this.openapi.document;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  html(): string {
    return this.openapi.html;
  }
}
