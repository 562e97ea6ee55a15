// The model-registry service: models, versions, aliases and artifacts (gRPC :50052).
import './telemetry';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({
  name: 'model-registry',
  module: AppModule,
  dependencies: ['mongo', 'kafka'],
  grpc: () => grpcPackageOptions('models'),
});
