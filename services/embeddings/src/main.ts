// The embeddings service: collections and documents, vectors in PostgreSQL + pgvector (gRPC :50055).
import './telemetry';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({
  name: 'embeddings',
  module: AppModule,
  dependencies: ['mongo', 'postgres', 'kafka'],
  grpc: () => grpcPackageOptions('embeddings'),
});
