// The gateway: the public HTTP API on :8000 (REST /api/v1, OpenAI-compatible /v1, WebSocket /ws/chat).
import './telemetry';
import { runService } from '@neuroforge/service-kit';
import { GATEWAY_SERVICE } from './gateway.definition';

runService(GATEWAY_SERVICE);
