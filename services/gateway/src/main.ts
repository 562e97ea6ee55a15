// The gateway: the public HTTP API on :8000 (REST /api/v1; OpenAI-compatible /v1 and WebSocket come later).
import './telemetry';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({ name: 'gateway', module: AppModule, dependencies: ['redis'], http: true });
