import { Injectable } from '@nestjs/common';

export interface RouteEntry {
  method: string;
  url: string;
  websocket: boolean;
}

/** Every route Fastify registered, recorded by an onRoute hook: what the gateway really serves. */
@Injectable()
export class RouteTable {
  private readonly entries: RouteEntry[] = [];

  add(method: string | string[], url: string, websocket: boolean): void {
    for (const m of Array.isArray(method) ? method : [method]) this.entries.push({ method: m, url, websocket });
  }

  list(): readonly RouteEntry[] {
    return this.entries;
  }
}
